"""The arXiv category taxonomy: codes, readable names and groups.

Codes and names follow arXiv's own taxonomy, including the archives it closed
in the 1990s (their papers keep the old code) and the bare archive codes that
old papers carry as categories (astro-ph, cond-mat, math).
"""

PHYSICS = "Physics"
MATHEMATICS = "Mathematics"
COMPUTER_SCIENCE = "Computer Science"
QUANTITATIVE_BIOLOGY = "Quantitative Biology"
QUANTITATIVE_FINANCE = "Quantitative Finance"
STATISTICS = "Statistics"
EESS = "Electrical Engineering and Systems Science"
ECONOMICS = "Economics"

# archive: (name, group). The name also starts the archive's oai_dc subjects.
ARCHIVES: dict[str, tuple[str, str]] = {
    "astro-ph": ("Astrophysics", PHYSICS),
    "cond-mat": ("Condensed Matter", PHYSICS),
    "cs": ("Computer Science", COMPUTER_SCIENCE),
    "econ": ("Economics", ECONOMICS),
    "eess": ("Electrical Engineering and Systems Science", EESS),
    "gr-qc": ("General Relativity and Quantum Cosmology", PHYSICS),
    "hep-ex": ("High Energy Physics - Experiment", PHYSICS),
    "hep-lat": ("High Energy Physics - Lattice", PHYSICS),
    "hep-ph": ("High Energy Physics - Phenomenology", PHYSICS),
    "hep-th": ("High Energy Physics - Theory", PHYSICS),
    "math": ("Mathematics", MATHEMATICS),
    "math-ph": ("Mathematical Physics", PHYSICS),
    "nlin": ("Nonlinear Sciences", PHYSICS),
    "nucl-ex": ("Nuclear Experiment", PHYSICS),
    "nucl-th": ("Nuclear Theory", PHYSICS),
    "physics": ("Physics", PHYSICS),
    "q-bio": ("Quantitative Biology", QUANTITATIVE_BIOLOGY),
    "q-fin": ("Quantitative Finance", QUANTITATIVE_FINANCE),
    "quant-ph": ("Quantum Physics", PHYSICS),
    "stat": ("Statistics", STATISTICS),
    # Closed archives, each later subsumed by a category (cmp-lg by cs.CL, ...).
    "acc-phys": ("Accelerator Physics", PHYSICS),
    "adap-org": ("Adaptation, Noise, and Self-Organizing Systems", PHYSICS),
    "alg-geom": ("Algebraic Geometry", MATHEMATICS),
    "ao-sci": ("Atmospheric-Oceanic Sciences", PHYSICS),
    "atom-ph": ("Atomic, Molecular and Optical Physics", PHYSICS),
    "bayes-an": ("Bayesian Analysis", PHYSICS),
    "chao-dyn": ("Chaotic Dynamics", PHYSICS),
    "chem-ph": ("Chemical Physics", PHYSICS),
    "cmp-lg": ("Computation and Language", COMPUTER_SCIENCE),
    "comp-gas": ("Cellular Automata and Lattice Gases", PHYSICS),
    "dg-ga": ("Differential Geometry", MATHEMATICS),
    "funct-an": ("Functional Analysis", MATHEMATICS),
    "mtrl-th": ("Materials Theory", PHYSICS),
    "patt-sol": ("Pattern Formation and Solitons", PHYSICS),
    "plasm-ph": ("Plasma Physics", PHYSICS),
    "q-alg": ("Quantum Algebra and Topology", MATHEMATICS),
    "solv-int": ("Exactly Solvable and Integrable Systems", PHYSICS),
    "supr-con": ("Superconductivity", PHYSICS),
}

# archive: {subject class: name}; the category code is "archive.CLASS".
SUBJECT_CLASSES: dict[str, dict[str, str]] = {
    "astro-ph": {
        "CO": "Cosmology and Nongalactic Astrophysics",
        "EP": "Earth and Planetary Astrophysics",
        "GA": "Astrophysics of Galaxies",
        "HE": "High Energy Astrophysical Phenomena",
        "IM": "Instrumentation and Methods for Astrophysics",
        "SR": "Solar and Stellar Astrophysics",
    },
    "cond-mat": {
        "dis-nn": "Disordered Systems and Neural Networks",
        "mes-hall": "Mesoscale and Nanoscale Physics",
        "mtrl-sci": "Materials Science",
        "other": "Other Condensed Matter",
        "quant-gas": "Quantum Gases",
        "soft": "Soft Condensed Matter",
        "stat-mech": "Statistical Mechanics",
        "str-el": "Strongly Correlated Electrons",
        "supr-con": "Superconductivity",
    },
    "cs": {
        "AI": "Artificial Intelligence",
        "AR": "Hardware Architecture",
        "CC": "Computational Complexity",
        "CE": "Computational Engineering, Finance, and Science",
        "CG": "Computational Geometry",
        "CL": "Computation and Language",
        "CR": "Cryptography and Security",
        "CV": "Computer Vision and Pattern Recognition",
        "CY": "Computers and Society",
        "DB": "Databases",
        "DC": "Distributed, Parallel, and Cluster Computing",
        "DL": "Digital Libraries",
        "DM": "Discrete Mathematics",
        "DS": "Data Structures and Algorithms",
        "ET": "Emerging Technologies",
        "FL": "Formal Languages and Automata Theory",
        "GL": "General Literature",
        "GR": "Graphics",
        "GT": "Computer Science and Game Theory",
        "HC": "Human-Computer Interaction",
        "IR": "Information Retrieval",
        "IT": "Information Theory",
        "LG": "Machine Learning",
        "LO": "Logic in Computer Science",
        "MA": "Multiagent Systems",
        "MM": "Multimedia",
        "MS": "Mathematical Software",
        "NA": "Numerical Analysis",
        "NE": "Neural and Evolutionary Computing",
        "NI": "Networking and Internet Architecture",
        "OH": "Other Computer Science",
        "OS": "Operating Systems",
        "PF": "Performance",
        "PL": "Programming Languages",
        "RO": "Robotics",
        "SC": "Symbolic Computation",
        "SD": "Sound",
        "SE": "Software Engineering",
        "SI": "Social and Information Networks",
        "SY": "Systems and Control",
    },
    "econ": {
        "EM": "Econometrics",
        "GN": "General Economics",
        "TH": "Theoretical Economics",
    },
    "eess": {
        "AS": "Audio and Speech Processing",
        "IV": "Image and Video Processing",
        "SP": "Signal Processing",
        "SY": "Systems and Control",
    },
    "math": {
        "AC": "Commutative Algebra",
        "AG": "Algebraic Geometry",
        "AP": "Analysis of PDEs",
        "AT": "Algebraic Topology",
        "CA": "Classical Analysis and ODEs",
        "CO": "Combinatorics",
        "CT": "Category Theory",
        "CV": "Complex Variables",
        "DG": "Differential Geometry",
        "DS": "Dynamical Systems",
        "FA": "Functional Analysis",
        "GM": "General Mathematics",
        "GN": "General Topology",
        "GR": "Group Theory",
        "GT": "Geometric Topology",
        "HO": "History and Overview",
        "IT": "Information Theory",
        "KT": "K-Theory and Homology",
        "LO": "Logic",
        "MG": "Metric Geometry",
        "MP": "Mathematical Physics",
        "NA": "Numerical Analysis",
        "NT": "Number Theory",
        "OA": "Operator Algebras",
        "OC": "Optimization and Control",
        "PR": "Probability",
        "QA": "Quantum Algebra",
        "RA": "Rings and Algebras",
        "RT": "Representation Theory",
        "SG": "Symplectic Geometry",
        "SP": "Spectral Theory",
        "ST": "Statistics Theory",
    },
    "nlin": {
        "AO": "Adaptation and Self-Organizing Systems",
        "CD": "Chaotic Dynamics",
        "CG": "Cellular Automata and Lattice Gases",
        "PS": "Pattern Formation and Solitons",
        "SI": "Exactly Solvable and Integrable Systems",
    },
    "physics": {
        "acc-ph": "Accelerator Physics",
        "ao-ph": "Atmospheric and Oceanic Physics",
        "app-ph": "Applied Physics",
        "atm-clus": "Atomic and Molecular Clusters",
        "atom-ph": "Atomic Physics",
        "bio-ph": "Biological Physics",
        "chem-ph": "Chemical Physics",
        "class-ph": "Classical Physics",
        "comp-ph": "Computational Physics",
        "data-an": "Data Analysis, Statistics and Probability",
        "ed-ph": "Physics Education",
        "flu-dyn": "Fluid Dynamics",
        "gen-ph": "General Physics",
        "geo-ph": "Geophysics",
        "hist-ph": "History and Philosophy of Physics",
        "ins-det": "Instrumentation and Detectors",
        "med-ph": "Medical Physics",
        "optics": "Optics",
        "plasm-ph": "Plasma Physics",
        "pop-ph": "Popular Physics",
        "soc-ph": "Physics and Society",
        "space-ph": "Space Physics",
    },
    "q-bio": {
        "BM": "Biomolecules",
        "CB": "Cell Behavior",
        "GN": "Genomics",
        "MN": "Molecular Networks",
        "NC": "Neurons and Cognition",
        "OT": "Other Quantitative Biology",
        "PE": "Populations and Evolution",
        "QM": "Quantitative Methods",
        "SC": "Subcellular Processes",
        "TO": "Tissues and Organs",
    },
    "q-fin": {
        "CP": "Computational Finance",
        "EC": "Economics",
        "GN": "General Finance",
        "MF": "Mathematical Finance",
        "PM": "Portfolio Management",
        "PR": "Pricing of Securities",
        "RM": "Risk Management",
        "ST": "Statistical Finance",
        "TR": "Trading and Market Microstructure",
    },
    "stat": {
        "AP": "Applications",
        "CO": "Computation",
        "ME": "Methodology",
        "ML": "Machine Learning",
        "OT": "Other Statistics",
        "TH": "Statistics Theory",
    },
}

# Archives with subject classes whose bare code still appears on old papers.
BARE_ARCHIVES = ("astro-ph", "cond-mat", "cs", "math", "physics", "q-bio")


def _categories() -> dict[str, tuple[str, str]]:
    categories: dict[str, tuple[str, str]] = {}
    for archive, (name, group) in ARCHIVES.items():
        classes = SUBJECT_CLASSES.get(archive, {})
        if not classes or archive in BARE_ARCHIVES:
            categories[archive] = (name, group)
        for subject_class, class_name in classes.items():
            categories[f"{archive}.{subject_class}"] = (class_name, group)
    return dict(sorted(categories.items()))


# code: (name, group)
CATEGORIES: dict[str, tuple[str, str]] = _categories()


def category_name(code: str) -> tuple[str, str]:
    """(name, group) for a category code; unknown codes are named by their code."""
    return CATEGORIES.get(code, (code, ""))


def subject_of(code: str) -> str:
    """The dc:subject arXiv writes for a category: "Archive - Name", or the bare name."""
    archive, dot, _ = code.partition(".")
    name = CATEGORIES[code][0]
    return f"{ARCHIVES[archive][0]} - {name}" if dot else name


# Case-folded so that "Computer science - machine learning" still finds cs.LG.
_BY_SUBJECT = {subject_of(code).casefold(): code for code in CATEGORIES}


def category_for_subject(subject: str) -> str | None:
    """The code for an oai_dc subject ("Statistics - Machine Learning" -> stat.ML).

    None for subjects that are not arXiv categories, such as the MSC (81P68) and
    ACM (I.2.7) classes that arXiv also lists as subjects.
    """
    text = " ".join(subject.split())
    if text in CATEGORIES:
        return text
    return _BY_SUBJECT.get(text.casefold())
