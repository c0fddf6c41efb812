"""Where Chatwoot's API document is wrong about Chatwoot's real behaviour (which the project
follows: /shared/reference/behaviour-*.md). Each correction says what the document claims and
what Chatwoot does."""


def operation(document, method, path):
    return document["paths"][path][method]


def schema(document, name):
    return document["components"]["schemas"][name]


def apply(document):
    pass
