"""Where Chatwoot's API document is wrong about Chatwoot's real behaviour, which the project
follows (facts: shared/reference/behaviour-*.md). Each correction says what the document
claims and what Chatwoot does; Schemathesis found them (infra/schemathesis.sh)."""

SCALAR_TYPES = {"string", "number", "integer", "boolean"}
COMPONENT_SCHEMA = "#/components/schemas/"


def apply(document):
    schemas = document["components"]["schemas"]

    # Unauthenticated requests: Chatwoot answers Devise's 401 `{"errors": ["You need to sign
    # in or sign up before continuing."]}`, a list of strings, where the document's
    # `bad_request_error.errors` holds `request_error` objects only.
    schemas["request_error"] = {"anyOf": [schemas["request_error"], {"type": "string"}]}

    # Custom attribute definitions: `attribute_values` is the list of allowed values (a JSON
    # array column), not a string.
    schemas["custom_attribute"]["properties"]["attribute_values"] = {
        "type": "array",
        "items": {"type": "string"},
        "description": "Attribute values (for list attributes)",
    }

    # POST /contacts answers `{"payload": {"contact": <contact>, "contact_inbox": {"inbox",
    # "source_id"}}}` (contacts/create.json.jbuilder), not the contact's list shape.
    create_contact = document["paths"]["/api/v1/accounts/{account_id}/contacts"]["post"]
    create_contact["responses"]["200"]["content"]["application/json"]["schema"] = {
        "type": "object",
        "properties": {
            "payload": {
                "type": "object",
                "properties": {
                    "contact": schemas["contact"]["properties"]["payload"]["items"],
                    "contact_inbox": {
                        "type": ["object", "null"],
                        "properties": {
                            "inbox": {"type": ["object", "null"]},
                            "source_id": {"type": ["string", "null"]},
                        },
                    },
                },
            }
        },
    }

    # POST /conversations/{id}/assignments answers the JSON literal `null` when the conversation
    # ends up unassigned (assignee_id null or not a member), or the bot is not found.
    assignment = success_schema(
        document, "post", "/api/v1/accounts/{account_id}/conversations/{conversation_id}/assignments"
    )
    assignment["schema"] = {"anyOf": [assignment["schema"], {"type": "null"}]}

    # GET /webhooks answers `{"payload": {"webhooks": [...]}}`, not a bare list.
    webhooks = success_schema(document, "get", "/api/v1/accounts/{account_id}/webhooks")
    webhooks["schema"] = {
        "type": "object",
        "properties": {
            "payload": {"type": "object", "properties": {"webhooks": webhooks["schema"]}}
        },
    }

    # GET /api/v2/reports: an unknown or missing `metric` answers 200 `{}`.
    timeseries = success_schema(document, "get", "/api/v2/accounts/{account_id}/reports")
    timeseries["schema"] = {
        "anyOf": [timeseries["schema"], {"type": "object", "maxProperties": 0}]
    }

    # GET /api/v2/reports/conversations: `type=account` answers the account's counts (the
    # documented object); any other type answers a page of agents with their counts.
    live = success_schema(document, "get", "/api/v2/accounts/{account_id}/reports/conversations")
    live["schema"] = {
        "anyOf": [
            live["schema"],
            {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": ["string", "null"]},
                        "email": {"type": ["string", "null"]},
                        "thumbnail": {"type": ["string", "null"]},
                        "availability": {"type": ["string", "null"]},
                        "metric": {
                            "type": "object",
                            "properties": {
                                "open": {"type": "integer"},
                                "unattended": {"type": "integer"},
                            },
                        },
                    },
                },
            },
        ]
    }

    # Chatwoot renders an unset attribute as null (jbuilder copies the column), where the
    # document types response attributes as plain strings, numbers and booleans (e.g. an agent
    # bot's `description`, a user's `role` outside an account, a message's `content`). Every
    # scalar property of a response schema may be null; request schemas keep their types.
    make_response_scalars_nullable(document)


def success_schema(document, method, path):
    """The media object of an operation's 200 JSON response."""
    return document["paths"][path][method]["responses"]["200"]["content"]["application/json"]


def response_schemas(document):
    for item in document["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                for media in response.get("content", {}).values():
                    if "schema" in media:
                        yield media["schema"]


def request_schemas(document):
    for item in document["paths"].values():
        for key, operation in item.items():
            if key == "parameters":
                yield from item[key]
                continue
            if not isinstance(operation, dict):
                continue
            yield from operation.get("parameters", [])
            for media in operation.get("requestBody", {}).get("content", {}).values():
                if "schema" in media:
                    yield media["schema"]


def component_names(document, roots):
    """Names of the component schemas reachable from `roots`."""
    schemas = document["components"]["schemas"]
    names, pending = set(), list(roots)
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith(COMPONENT_SCHEMA):
                name = ref[len(COMPONENT_SCHEMA):]
                if name not in names:
                    names.add(name)
                    pending.append(schemas[name])
            elif ref.startswith("#/components/parameters/"):
                pending.append(document["components"]["parameters"][ref.split("/")[-1]])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return names


def nullable_properties(schema):
    """Makes the scalar properties under `schema` nullable (not crossing `$ref`s)."""
    if isinstance(schema, list):
        for item in schema:
            nullable_properties(item)
        return
    if not isinstance(schema, dict):
        return
    for name, prop in schema.get("properties", {}).items():
        if isinstance(prop, dict):
            declared = prop.get("type")
            if isinstance(declared, str) and declared in SCALAR_TYPES:
                prop["type"] = [declared, "null"]
                if "enum" in prop and None not in prop["enum"]:
                    prop["enum"] = [*prop["enum"], None]
        nullable_properties(prop)
    for key in ("items", "allOf", "anyOf", "oneOf", "additionalProperties"):
        if key in schema:
            nullable_properties(schema[key])


def make_response_scalars_nullable(document):
    shared_with_requests = component_names(document, request_schemas(document))
    for schema in response_schemas(document):
        nullable_properties(schema)
    schemas = document["components"]["schemas"]
    for name in component_names(document, response_schemas(document)) - shared_with_requests:
        nullable_properties(schemas[name])
