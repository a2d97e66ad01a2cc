import JSON

/// Copper's JSON: companies in the member order of Copper's contract (plus `primary_contact_id`, a field the
/// contract does not list), custom field definitions, activities, activity types.
enum CopperRenderer {
    static func companies(_ companies: some Collection<CopperSandboxCompany>) -> [UInt8] {
        var w = JSONWriter(capacity: companies.count * 900 + 2)
        w.beginArray()
        for company in companies { write(company, to: &w) }
        w.endArray()
        return w.bytes
    }

    static func company(_ company: CopperSandboxCompany) -> [UInt8] {
        var w = JSONWriter(capacity: 1_024)
        write(company, to: &w)
        return w.bytes
    }

    static func write(_ company: CopperSandboxCompany, to w: inout JSONWriter) {
        w.beginObject()
        if company.servesID { w.key("id"); w.int(company.id) }
        w.key("name"); w.string(company.name)
        w.key("address")
        if let address = company.address {
            w.beginObject()
            w.key("street"); w.optionalString(address.street)
            w.key("city"); w.optionalString(address.city)
            w.key("state"); w.optionalString(address.state)
            w.key("postal_code"); w.optionalString(address.postalCode)
            w.key("country"); w.optionalString(address.country)
            w.endObject()
        } else {
            w.null()
        }
        w.key("assignee_id"); optionalInt(company.assigneeID, &w)
        w.key("contact_type_id"); optionalInt(company.contactTypeID, &w)
        w.key("details"); w.optionalString(company.details)
        w.key("email_domain"); w.optionalString(company.emailDomain)
        w.key("phone_numbers"); labeled(company.phoneNumbers, valueKey: "number", &w)
        w.key("primary_contact_id"); optionalInt(company.primaryContactID, &w)
        w.key("socials"); labeled(company.socials, valueKey: "url", &w)
        w.key("tags")
        w.beginArray()
        for tag in company.tags { w.string(tag) }
        w.endArray()
        w.key("websites"); labeled(company.websites, valueKey: "url", &w)
        if let member = company.customFieldsMember {
            w.key(member)
            w.beginArray()
            for field in company.customFields {
                w.beginObject()
                w.key("custom_field_definition_id"); w.int(field.definitionID)
                w.key("value"); value(field.value, &w)
                w.endObject()
            }
            w.endArray()
        }
        w.key("interaction_count"); w.int(company.interactionCount)
        w.key("date_created"); w.int(company.dateCreated)
        w.key("date_modified"); w.int(company.dateModified)
        w.endObject()
    }

    static func definitions(_ definitions: [CopperSandboxFieldDefinition]) -> [UInt8] {
        var w = JSONWriter(capacity: 256 * definitions.count)
        w.beginArray()
        for definition in definitions {
            w.beginObject()
            w.key("id"); w.int(definition.id)
            w.key("name"); w.string(definition.name)
            w.key("canonical_name"); w.null()
            w.key("data_type"); w.string(definition.dataType.rawValue)
            w.key("available_on")
            w.beginArray()
            for type in definition.availableOn { w.string(type) }
            w.endArray()
            w.key("is_filterable"); w.bool(definition.isFilterable)
            if definition.dataType == .dropdown {
                w.key("options")
                w.beginArray()
                for option in definition.options {
                    w.beginObject()
                    w.key("id"); w.int(option.id)
                    w.key("name"); w.string(option.name)
                    w.key("rank"); w.int(option.rank)
                    w.endObject()
                }
                w.endArray()
            }
            w.endObject()
        }
        w.endArray()
        return w.bytes
    }

    static func activity(_ activity: CopperSandboxActivity, userID: Int) -> [UInt8] {
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        w.key("id"); w.int(activity.id)
        w.key("parent")
        w.beginObject()
        w.key("id"); w.int(activity.companyID)
        w.key("type"); w.string(activity.parentType)
        w.endObject()
        w.key("type")
        w.beginObject()
        w.key("id"); w.int(activity.typeID)
        w.key("category"); w.string(activity.typeCategory)
        w.endObject()
        w.key("user_id"); w.int(userID)
        w.key("details"); w.string(activity.details)
        w.key("activity_date"); w.int(activity.activityDate)
        w.key("old_value"); w.null()
        w.key("new_value"); w.null()
        w.key("date_created"); w.int(activity.dateCreated)
        w.key("date_modified"); w.int(activity.dateCreated)
        w.endObject()
        return w.bytes
    }

    static func activityTypes() -> [UInt8] {
        var w = JSONWriter(capacity: 512)
        func list(_ category: StaticString, _ types: [(id: Int, name: String, countsAsInteraction: Bool)]) {
            w.key(category)
            w.beginArray()
            for type in types {
                w.beginObject()
                w.key("id"); w.int(type.id)
                w.key("category"); w.string(category.description)
                w.key("name"); w.string(type.name)
                w.key("is_disabled"); w.bool(false)
                w.key("count_as_interaction"); w.bool(type.countsAsInteraction)
                w.endObject()
            }
            w.endArray()
        }
        w.beginObject()
        list("user", CopperCatalog.userActivityTypes)
        list("system", CopperCatalog.systemActivityTypes.map { ($0.id, $0.name, false) })
        w.endObject()
        return w.bytes
    }

    private static func optionalInt(_ value: Int?, _ w: inout JSONWriter) {
        if let value { w.int(value) } else { w.null() }
    }

    private static func value(_ value: CopperSandboxFieldValue, _ w: inout JSONWriter) {
        switch value {
        case .string(let text): w.string(text)
        case .number(let text): w.numberText(text)
        case .null: w.null()
        case .drifted(let json): w.rawValue(Array(json.utf8))
        }
    }

    private static func labeled(_ items: [CopperSandboxLabeled], valueKey: StaticString, _ w: inout JSONWriter) {
        w.beginArray()
        for item in items {
            w.beginObject()
            w.key(valueKey); w.string(item.value)
            w.key("category"); w.string(item.category)
            w.endObject()
        }
        w.endArray()
    }
}
