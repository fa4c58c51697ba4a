"""Area weights behind the sample workbooks: data only, no logic.

The province totals of each department are in ``sources/specs/samples/<source>.yaml`` (``figures``: a series per
year, ``null`` when the field was not reported that year, e.g. e-ID accounts before 2021; ``periods``: other
periods). Figures published by the provinces (``shared/reference/seed_facts.csv``) are reproduced exactly;
``seed_mapping.yaml`` says which total carries which published figure. The population denominators are chosen
so the rates the warehouse computes round to the published rates.
"""

from __future__ import annotations

Value = int | float | None

# Rough district populations (thousands): the shares every source's district split starts from.
DISTRICT_WEIGHTS: dict[str, float] = {
    # Bắc Kạn
    "058": 45,
    "060": 33,
    "061": 50,
    "062": 30,
    "063": 32,
    "064": 52,
    "065": 40,
    "066": 40,
    # Sơn La
    "116": 110,
    "118": 70,
    "119": 175,
    "120": 100,
    "121": 70,
    "122": 125,
    "123": 110,
    "124": 80,
    "125": 165,
    "126": 160,
    "127": 50,
    "128": 65,
    # Bến Tre
    "829": 125,
    "831": 165,
    "832": 110,
    "833": 145,
    "834": 170,
    "835": 135,
    "836": 180,
    "837": 130,
    "838": 110,
}
