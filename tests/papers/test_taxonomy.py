import gzip
import re
from pathlib import Path

import pytest

from paperwire.papers.taxonomy import (
    CATEGORIES,
    category_for_subject,
    category_name,
    subject_of,
)

# MSC (81P68, 15A21, 81Vxx) and ACM (I.2.7, F.m) classes: arXiv lists them as subjects too.
CLASSIFICATION = re.compile(r"(\d\d[A-Z](\d\d|xx)|[A-K]\.(\d+|m)(\.\d+)?)(, .+)?")
SUBJECT = re.compile(rb"<dc:subject>([^<]*)</dc:subject>")


def oai_dc_subjects(shared_data: Path) -> set[str]:
    fixtures = shared_data / "arxiv" / "fixtures"
    pages = [p.read_bytes() for p in sorted((fixtures / "oai_pmh_arxiv").glob("*.xml"))]
    pages.append(
        gzip.decompress((fixtures / "oai-dc-records-quant-ph-no-envelope.xml.gz").read_bytes())
    )
    return {m.decode() for page in pages for m in SUBJECT.findall(page)}


def test_it_names_categories_and_their_groups() -> None:
    assert category_name("cs.LG") == ("Machine Learning", "Computer Science")
    assert category_name("stat.ML") == ("Machine Learning", "Statistics")
    assert category_name("astro-ph.CO") == ("Cosmology and Nongalactic Astrophysics", "Physics")
    assert category_name("eess.SY") == (
        "Systems and Control",
        "Electrical Engineering and Systems Science",
    )
    assert category_name("quant-ph") == ("Quantum Physics", "Physics")


def test_it_names_unknown_codes_by_their_code() -> None:
    assert category_name("xx.NEW") == ("xx.NEW", "")


@pytest.mark.parametrize(
    "code",
    """
    cs.AI cs.CL cs.CV cs.LG cs.SY math.AG math.MP math.ST physics.optics physics.soc-ph
    astro-ph.HE cond-mat.mes-hall q-bio.NC q-fin.EC stat.ML stat.TH eess.AS econ.GN
    nlin.CD gr-qc hep-ex hep-lat hep-ph hep-th math-ph nucl-ex nucl-th quant-ph
    cmp-lg solv-int chao-dyn alg-geom q-alg funct-an dg-ga adap-org patt-sol comp-gas
    chem-ph atom-ph acc-phys ao-sci plasm-ph supr-con mtrl-th bayes-an
    cs math physics astro-ph cond-mat q-bio
    """.split(),
)
def test_it_knows_every_current_and_legacy_code(code: str) -> None:
    assert code in CATEGORIES


def test_it_holds_every_category_of_every_archive() -> None:
    counts = {
        archive: sum(code.startswith(f"{archive}.") for code in CATEGORIES)
        for archive in ("cs", "math", "physics", "astro-ph", "cond-mat", "q-bio", "q-fin")
    }
    assert counts == {
        "cs": 40,
        "math": 32,
        "physics": 22,
        "astro-ph": 6,
        "cond-mat": 9,
        "q-bio": 10,
        "q-fin": 9,
    }
    assert all(name and group for name, group in CATEGORIES.values())


def test_every_category_has_its_own_subject() -> None:
    subjects = [subject_of(code).casefold() for code in CATEGORIES]
    assert len(set(subjects)) == len(subjects)


@pytest.mark.parametrize(
    ("subject", "code"),
    [
        ("Computer Science - Machine Learning", "cs.LG"),
        ("Statistics - Machine Learning", "stat.ML"),
        ("Mathematics - Numerical Analysis", "math.NA"),
        ("Computer Science - Numerical Analysis", "cs.NA"),
        ("Physics - Physics and Society", "physics.soc-ph"),
        ("Electrical Engineering and Systems Science - Systems and Control", "eess.SY"),
        ("Quantitative Biology - Neurons and Cognition", "q-bio.NC"),
        ("High Energy Physics - Theory", "hep-th"),
        ("Condensed Matter - Strongly Correlated Electrons", "cond-mat.str-el"),
        ("Astrophysics - Cosmology and Nongalactic Astrophysics", "astro-ph.CO"),
        ("Astrophysics", "astro-ph"),
        ("Nonlinear Sciences - Chaotic Dynamics", "nlin.CD"),
        ("Quantum Physics", "quant-ph"),
        ("General Relativity and Quantum Cosmology", "gr-qc"),
        ("Mathematical Physics", "math-ph"),
        ("Mathematics - Mathematical Physics", "math.MP"),
        ("Nuclear Theory", "nucl-th"),
        ("Quantitative Finance - Economics", "q-fin.EC"),
        ("Economics - General Economics", "econ.GN"),
        ("Computation and Language", "cmp-lg"),
        ("  Computer science -\n machine learning ", "cs.LG"),
        ("cs.LG", "cs.LG"),
    ],
)
def test_it_maps_oai_dc_subjects_back_to_codes(subject: str, code: str) -> None:
    assert category_for_subject(subject) == code


@pytest.mark.parametrize(
    "subject", ["81P68", "I.2.7", "68T07, 14B05", "", "Underwater Basket Weaving"]
)
def test_it_maps_classifications_and_unknown_subjects_to_none(subject: str) -> None:
    assert category_for_subject(subject) is None


def test_every_subject_in_the_real_oai_dc_records_maps_to_a_code(shared_data: Path) -> None:
    subjects = oai_dc_subjects(shared_data)
    assert len(subjects) > 100
    assert sum(category_for_subject(s) is not None for s in subjects) > 90
    unmapped = {
        s for s in subjects if category_for_subject(s) is None and not CLASSIFICATION.fullmatch(s)
    }
    assert unmapped == set()
