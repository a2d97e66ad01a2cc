import Foundation
import JSON
import Synchronization

/// The field paths a response's documents carried (`Invoices[].Customers[].CompanyName`), with
/// how many documents carried each: what `vendor_fields` records, so that a field the vendor
/// adds, renames or drops shows up as a change instead of passing unnoticed. Paths compare
/// ignoring ASCII case, like the decoders' field names. Filled on the decoding thread, read by
/// the writer once the stream has ended.
package final class FieldCensus: Sendable {
    struct Tally: Sendable {
        var documents = 0
        /// Lower-cased path → (spelling as last seen, documents carrying it).
        var paths: [String: (path: String, documents: Int)] = [:]
        /// The fields of the documents counted last, all alike, and how many they are: not yet
        /// in `paths`. Consecutive documents mostly carry the same fields, and comparing their
        /// spellings in order costs less than counting each path again (a response of many
        /// small documents counts tens of thousands).
        var last = DocumentFields()
        var lastDocuments = 0
        var format: String?

        mutating func settle() {
            guard lastDocuments > 0 else { return }
            for (path, key) in last.noted {
                paths[key, default: (path, 0)].documents += lastDocuments
                paths[key]?.path = path
            }
            lastDocuments = 0
        }
    }

    private let tally = Mutex(Tally())

    package init() {}

    /// Documents counted so far.
    package var documents: Int { tally.withLock { $0.documents } }

    /// The response's format when it is not the endpoint's own (2tCloud's XML, sent when a
    /// proxy drops `Accept`): its fields are spelled otherwise, so they are compared with that
    /// format's own history, not reported as the JSON fields gone.
    package var format: String? {
        get { tally.withLock { $0.format } }
        set { tally.withLock { $0.format = newValue } }
    }

    /// Each path with its spelling and how many documents carried it.
    package var paths: [(key: String, path: String, documents: Int)] {
        tally.withLock { tally in
            tally.settle()
            return tally.paths.map { (key: $0.key, path: $0.value.path, documents: $0.value.documents) }
        }
    }

    /// Counts one document's fields.
    package func add(_ document: DocumentFields) {
        tally.withLock { tally in
            tally.documents += 1
            if tally.lastDocuments > 0 && tally.last.carriesTheSameFields(as: document) {
                tally.lastDocuments += 1
                return
            }
            tally.settle()
            tally.last = document
            tally.lastDocuments = 1
        }
    }

    /// Adds another census's counts (the decoding thread's, once its stream has ended).
    package func absorb(_ other: FieldCensus) {
        guard other !== self else { return }
        let theirs = other.tally.withLock { tally in
            tally.settle()
            return tally
        }
        tally.withLock { tally in
            tally.settle()
            tally.format = tally.format ?? theirs.format
            tally.documents += theirs.documents
            for (key, entry) in theirs.paths {
                tally.paths[key, default: (entry.path, 0)].documents += entry.documents
                tally.paths[key]?.path = entry.path
            }
        }
    }
}

/// The field paths one stream's earlier documents spelled out, by the prefix of the object
/// that holds them: a document shaped like the one before notes its paths without building
/// each path and its key again (a response of many small documents has tens of thousands).
/// Each path spelling gets a number once, so that a document notes its paths by number: a
/// response of many small documents spares a dictionary insert per path and document.
/// Used by one stream's documents, one after another (hence unchecked).
package final class FieldPathMemo: @unchecked Sendable {
    struct Walk {
        var names: [String]
        /// Per member: its path, its spelling's number, and the path of its elements should it
        /// be an array.
        var paths: [(path: String, id: Int, elements: String)]
        /// The document (`DocumentFields.generation`) that noted them last.
        var noted: Int
    }
    // One stream's decoding thread alone uses a memo, so the run-time exclusivity checks of
    // these, on every member of every document, buy nothing.
    @exclusivity(unchecked) var walks: [String: Walk] = [:]
    var documents = 0
    /// Every path spelling numbered so far, with its key (the path lower-cased) and the key's number.
    @exclusivity(unchecked) private(set) var spellings: [(path: String, key: String, keyID: Int)] = []
    private var spellingIDs: [String: Int] = [:]
    private var keyIDs: [String: Int] = [:]
    /// Per key number: the document (`DocumentFields.generation`) that noted the key last.
    @exclusivity(unchecked) var keyNoted: [Int] = []

    package init() {}

    /// Distinct member names one object path may have before the rest are counted together as
    /// `path.*`: an object keyed by ids (`VendorDetails: {"<id>": …}`, which the contracts allow
    /// as unknown fields) would otherwise add a path, a census entry and a `vendor_fields` row per id.
    package static let namesPerObject = 200
    private var namesUnder: [String: Int] = [:]

    /// The number of a path spelled so; `key` is `path.lowercased()`. Past `namesPerObject`
    /// names under one object, a new name is numbered as that object's `.*`.
    func id(of path: String, key: @autoclosure () -> String) -> Int {
        if let id = spellingIDs[path] { return id }
        let key = key()
        if keyIDs[key] == nil, !path.hasSuffix(".*"), let dot = path.lastIndex(of: ".") {
            let parent = String(key[..<key.index(key.startIndex, offsetBy: path.distance(from: path.startIndex, to: dot))])
            let names = namesUnder[parent, default: 0]
            if names >= Self.namesPerObject {
                let other = String(path[..<dot]) + ".*"
                return id(of: other, key: other.lowercased())
            }
            namesUnder[parent] = names + 1
        }
        let keyID: Int
        if let known = keyIDs[key] {
            keyID = known
        } else {
            keyID = keyNoted.count
            keyIDs[key] = keyID
            keyNoted.append(-1)
        }
        spellings.append((path, key, keyID))
        spellingIDs[path] = spellings.count - 1
        return spellings.count - 1
    }
}

/// The field paths of one document, gathered while it is decoded.
package struct DocumentFields: Sendable {
    /// The numbers (`FieldPathMemo.id`) of the spellings noted, one per key, in the order they
    /// were first noted: documents with the same list carry the same fields.
    var order: [Int] = []
    /// The paths walked at each prefix (the stream's, or this document's own when it has
    /// none): consecutive objects of the same shape (a document's price lines, mostly) are not
    /// noted member by member again. `generation`: which of the memo's documents this is.
    let memo: FieldPathMemo
    package let generation: Int

    package init(memo: FieldPathMemo? = nil) {
        self.memo = memo ?? FieldPathMemo()
        self.memo.documents += 1
        generation = self.memo.documents
    }

    /// Notes a path that is not a member of a walked object (a deferred array); returns its
    /// number, for `note(id:)`.
    @discardableResult
    package mutating func note(_ path: String) -> Int {
        let id = memo.id(of: path, key: path.lowercased())
        note(id: id)
        return id
    }

    /// Notes a path by the number `note(_:)` gave it, unless its key was noted already.
    package mutating func note(id: Int) {
        let keyID = memo.spellings[id].keyID
        guard memo.keyNoted[keyID] != generation else { return }
        memo.keyNoted[keyID] = generation
        order.append(id)
    }

    /// Each key noted, with its spelling as first noted.
    var noted: [(path: String, key: String)] {
        order.map { (memo.spellings[$0].path, memo.spellings[$0].key) }
    }

    /// Whether both noted the same spellings in the same order.
    func carriesTheSameFields(as other: DocumentFields) -> Bool {
        memo === other.memo ? order == other.order : noted.map(\.path) == other.noted.map(\.path)
    }

    /// Notes every member of `object` under `prefix`, and of the objects and arrays within it.
    /// An object shaped like the one last walked at `prefix` takes its paths from the memo, and
    /// notes them only if this document has not yet.
    package mutating func walk(_ object: JSONObject, at prefix: String) {
        let paths: [(path: String, id: Int, elements: String)]
        if let known = memo.walks[prefix], known.names.elementsEqual(object.members.lazy.map(\.key)) {
            paths = known.paths
            if known.noted != generation {
                memo.walks[prefix]?.noted = generation
                for path in paths { note(id: path.id) }
            }
        } else {
            let names = object.members.map(\.key)
            paths = names.map { name in
                let id = note(prefix + "." + name)
                // As numbered: an id-keyed object's members past the limit walk on as `.*`.
                let path = memo.spellings[id].path
                return (path, id, path + "[]")
            }
            memo.walks[prefix] = FieldPathMemo.Walk(names: names, paths: paths, noted: generation)
        }
        for (member, path) in zip(object.members, paths) {
            switch member.value {
            case .object(let inner): walk(inner, at: path.path)
            case .array(let items): walk(items, at: path.elements)
            default: continue
            }
        }
    }

    /// Notes the members of every object in `items` (elements' path: `prefix`, ending in `[]`).
    package mutating func walk(_ items: [JSONValue], at prefix: String) {
        for item in items {
            switch item {
            case .object(let object): walk(object, at: prefix)
            case .array(let inner): walk(inner, at: prefix + "[]")
            default: continue
            }
        }
    }

    /// Every path of a whole document (one that was rejected before its fields were walked).
    package static func of(_ document: JSONValue, at prefix: String) -> DocumentFields {
        var fields = DocumentFields()
        if case .object(let object) = document { fields.walk(object, at: prefix) }
        return fields
    }
}
