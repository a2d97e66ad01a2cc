#include <stddef.h>

/// The first occurrence of `needle` in `haystack`, or NULL: glibc's memmem, which Swift's Glibc
/// module does not show (it is a GNU extension).
const void *billwh_find_bytes(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);
