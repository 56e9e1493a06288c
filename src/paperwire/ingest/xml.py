"""XML from the internet, parsed as plain data."""

from typing import Any

from lxml import etree

# No network access, no entity expansion, no DTD loading: the body comes off the internet.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class MalformedXml(ValueError):
    pass


class XmlDeclaresDtd(ValueError):
    """Neither arXiv's feeds nor OAI-PMH send a DTD; one could only smuggle in entities
    (with resolve_entities=False a declared entity stays in the tree as a silent gap)."""


def parse_untrusted_xml(content: bytes | str) -> Any:
    """The root element; MalformedXml or XmlDeclaresDtd otherwise."""
    data = content.encode() if isinstance(content, str) else content
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as e:
        raise MalformedXml(str(e)) from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise XmlDeclaresDtd()
    return root
