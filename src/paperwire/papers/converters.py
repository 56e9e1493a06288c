from paperwire.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id


class ArxivIdAsWritten:
    """Matches new-style (2502.08025v2) and old-style (hep-th/9901001) ids in a URL, as
    written: for the paper's pages, which send any other form to the canonical address."""

    regex = r"(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Za-z-]+)?/\d{7})(?:v\d+)?"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ArxivIdConverter(ArxivIdAsWritten):
    """The same ids, canonical (no version): the one place where every action on a paper
    (upvote, comment, save, claim, the API) learns which paper a URL means."""

    def to_python(self, value: str) -> str:
        try:
            return parse_arxiv_id(value).id
        except InvalidArxivId as error:
            raise ValueError(str(error)) from None  # no paper: the URL does not match
