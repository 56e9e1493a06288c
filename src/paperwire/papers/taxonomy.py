"""The arXiv category taxonomy: codes, readable names and groups."""

# code: (name, group)
CATEGORIES: dict[str, tuple[str, str]] = {
    "cs.AI": ("Artificial Intelligence", "Computer Science"),
    "cs.CL": ("Computation and Language", "Computer Science"),
    "cs.CV": ("Computer Vision and Pattern Recognition", "Computer Science"),
    "cs.LG": ("Machine Learning", "Computer Science"),
    "stat.ML": ("Machine Learning", "Statistics"),
    "hep-ph": ("High Energy Physics - Phenomenology", "Physics"),
    "hep-th": ("High Energy Physics - Theory", "Physics"),
}


def category_name(code: str) -> tuple[str, str]:
    """(name, group) for a category code; unknown codes are named by their code."""
    return CATEGORIES.get(code, (code, ""))
