"""Province totals behind the sample workbooks: data only, no logic.

Annual series are the years 2020–2024 in order; ``None`` means the field was not reported that year (e-ID
accounts did not exist in 2020, chip-ID check-in and cashless payment in health facilities started in 2022,
cash-register e-invoices in 2023). Figures published by the provinces (``shared/reference/seed_facts.csv``)
are reproduced exactly; ``seed_mapping.yaml`` says which total carries which published figure. The
population denominators are chosen so the rates the warehouse computes round to the published rates.
"""

from __future__ import annotations

Value = int | float | None
Series = tuple[Value, Value, Value, Value, Value]

YEARS: tuple[int, ...] = (2020, 2021, 2022, 2023, 2024)

# province → source → field → values for YEARS
ANNUAL: dict[str, dict[str, dict[str, Series]]] = {
    "06": {  # Bắc Kạn
        "population": {
            # 2022: 284,135 telephones / 314,000 = 90.5 per 100; 2024: 87 % smartphones, 91 % internet.
            "total": (304_100, 309_000, 314_000, 319_250, 324_500),
            # 2024: 159,265 e-ID accounts / 271,320 = 58.7 % (13/6/2024); 159,820 / 271,320 = 58.9 %
            # (8/10/2024).
            "age_14_plus": (252_900, 257_400, 261_900, 266_600, 271_320),
            "adult": (236_500, 240_700, 245_000, 249_400, 253_800),
            "working_age": (189_800, 192_600, 195_300, 198_400, 201_500),
            "households": (77_950, 79_600, 81_300, 83_100, 84_900),
        },
        "telecom": {
            "fixed_subscribers": (5_480, 5_012, 4_567, 4_205, 3_896),
            # 2024: 3,896 fixed + 349,990 mobile = 353,886 telephone subscribers
            "mobile_subscribers": (251_300, 264_850, 279_568, 313_700, 349_990),
            "smartphone_subscribers": (142_600, 166_900, 192_579, 236_800, 283_041),
            "internet_subscribers": (178_400, 199_700, 224_065, 258_300, 294_256),
            "ftth_households": (38_200, 45_900, 53_400, 60_100, 66_800),
            "bts_stations": (598, 627, 661, 689, 716),
            "fibre_km": (5_104.6, 5_672.3, 6_233.0, 6_710.8, 7_186.4),
        },
        "health": {
            "ehr_records": (121_500, 198_300, 262_400, 318_900, 353_785),
            "ehr_standardised": (48_600, 99_150, 160_060, 242_360, 321_944),  # 2024: 91 % of records
            "facilities": (134, 134, 135, 136, 136),
            "facilities_his": (118, 124, 131, 134, 136),  # 2024: 100 %
            "facilities_chip_id": (None, None, 45, 112, 131),
            "facilities_cashless": (None, None, 12, 21, 33),
        },
        "civil_id": {
            "cccd_applications": (15_800, 228_600, 268_900, 296_100, 318_450),
            "cccd_issued": (14_900, 201_300, 255_700, 282_400, 304_870),
            "eid_applications": (None, 8_450, 96_400, 158_300, 193_450),
            "eid_activated": (None, 3_120, 61_250, 128_700, 165_400),
            "eid_activated_level1": (None, 0, 22_050, 41_300, 44_600),
            "eid_activated_level2": (None, 3_120, 39_200, 87_400, 120_800),
        },
        "einvoice": {
            "active_enterprises": (1_012, 1_048, 1_103, 1_146, 1_187),
            "einvoice_enterprises": (612, 798, 1_071, 1_139, 1_187),  # 2024: 100 %
            "einvoices_issued": (1_145_300, 1_562_800, 2_986_400, 3_412_900, 3_905_600),
            "cash_register_businesses": (None, None, None, 86, 412),
            "etax_enterprises": (985, 1_030, 1_094, 1_142, 1_187),  # 2024: 100 %
        },
    },
    "14": {  # Sơn La
        "population": {
            "total": (1_262_400, 1_275_300, 1_288_000, 1_301_000, 1_313_600),
            "age_14_plus": (977_100, 988_200, 999_500, 1_012_500, 1_023_800),
            "adult": (908_900, 920_000, 931_200, 943_700, 955_300),
            "working_age": (760_300, 768_900, 777_600, 786_500, 795_100),
            "households": (282_600, 287_100, 291_800, 296_400, 301_000),
        },
        "telecom": {
            "fixed_subscribers": (14_210, 13_120, 12_050, 11_180, 10_420),
            "mobile_subscribers": (1_021_400, 1_058_700, 1_097_300, 1_134_600, 1_169_800),
            "smartphone_subscribers": (489_300, 561_200, 620_500, 677_400, 735_900),  # 2023: 59.7 % of mobile
            "internet_subscribers": (468_500, 512_300, 557_900, 602_880, 648_700),  # 2023: 46.34 per 100
            "ftth_households": (142_300, 161_800, 180_400, 197_600, 214_900),
            "bts_stations": (1_842, 1_918, 2_005, 2_087, 2_163),
            "fibre_km": (14_820.5, 16_103.2, 17_356.8, 18_512.4, 19_688.1),
        },
        "health": {
            "ehr_records": (402_600, 611_300, 803_900, 962_400, 1_087_500),
            "ehr_standardised": (140_900, 274_500, 450_200, 654_400, 858_100),
            "facilities": (245, 246, 248, 249, 251),
            "facilities_his": (201, 214, 229, 240, 249),
            "facilities_chip_id": (None, None, 88, 196, 238),
            "facilities_cashless": (None, None, 19, 34, 57),
        },
        "civil_id": {
            "cccd_applications": (61_200, 802_500, 946_800, 1_041_900, 1_088_300),
            "cccd_issued": (57_400, 702_900, 905_300, 1_004_600, 1_061_200),  # 2023: more than 1 million
            "eid_applications": (None, 21_600, 384_700, 621_500, 702_800),
            "eid_activated": (None, 7_900, 291_300, 523_800, 611_400),  # 2023: more than 500,000
            "eid_activated_level1": (None, 0, 118_300, 201_600, 214_900),
            "eid_activated_level2": (None, 7_900, 173_000, 322_200, 396_500),
        },
        "einvoice": {
            "active_enterprises": (2_485, 2_560, 2_671, 2_748, 2_836),
            "einvoice_enterprises": (1_506, 1_948, 2_602, 2_712, 2_815),
            "einvoices_issued": (3_842_100, 4_516_800, 8_624_300, 9_913_500, 11_204_700),
            "cash_register_businesses": (None, None, None, 154, 906),
            "etax_enterprises": (2_421, 2_512, 2_640, 2_731, 2_820),
        },
    },
    "83": {  # Bến Tre
        "population": {
            "total": (1_289_200, 1_292_600, 1_296_400, 1_300_750, 1_304_900),  # 2023: 82 % with an EHR
            "age_14_plus": (1_054_300, 1_059_100, 1_064_800, 1_070_900, 1_076_600),
            "adult": (972_100, 977_600, 983_000, 988_450, 993_800),  # 2023: 90.1 % with a smartphone
            "working_age": (812_600, 813_900, 815_400, 816_800, 818_100),
            "households": (398_700, 401_100, 403_300, 405_620, 407_900),  # 2023: 73.1 % with fibre
        },
        "telecom": {
            "fixed_subscribers": (29_850, 27_430, 25_180, 23_060, 21_240),
            "mobile_subscribers": (1_402_600, 1_431_900, 1_460_300, 1_488_700, 1_512_400),
            "smartphone_subscribers": (712_400, 781_900, 843_700, 890_600, 935_800),
            "internet_subscribers": (612_300, 671_500, 728_900, 782_400, 831_600),
            "ftth_households": (214_700, 245_900, 272_800, 296_508, 318_200),
            "bts_stations": (1_386, 1_452, 1_524, 1_597, 1_660),
            "fibre_km": (9_840.2, 10_712.6, 11_508.9, 12_236.5, 12_904.7),
        },
        "health": {
            "ehr_records": (512_300, 738_600, 921_800, 1_066_600, 1_148_300),
            "ehr_standardised": (204_900, 354_500, 543_900, 746_600, 918_600),
            "facilities": (201, 202, 203, 204, 205),
            "facilities_his": (176, 188, 197, 204, 205),
            "facilities_chip_id": (None, None, 121, 204, 205),  # 2023: 100 %
            "facilities_cashless": (None, None, 24, 38, 52),
        },
        "civil_id": {
            "cccd_applications": (48_300, 861_200, 1_002_600, 1_063_400, 1_091_800),
            "cccd_issued": (45_100, 774_900, 968_300, 1_041_200, 1_075_600),
            "eid_applications": (None, 24_800, 512_600, 803_900, 889_700),
            "eid_activated": (None, 9_600, 389_500, 668_200, 752_900),
            "eid_activated_level1": (None, 0, 141_200, 236_400, 251_700),
            "eid_activated_level2": (None, 9_600, 248_300, 431_800, 501_200),
        },
        "einvoice": {
            "active_enterprises": (4_612, 4_785, 5_034, 5_216, 5_398),
            "einvoice_enterprises": (2_841, 3_602, 4_921, 5_148, 5_361),
            "einvoices_issued": (9_816_400, 11_402_300, 19_873_600, 22_614_800, 25_308_200),
            "cash_register_businesses": (None, None, None, 318, 1_742),
            "etax_enterprises": (4_507, 4_701, 4_989, 5_190, 5_377),
        },
    },
}

# Periods other than whole years: (province, source, period) → field → value.
EXTRA: dict[tuple[str, str, str], dict[str, Value]] = {
    # Bắc Kạn provincial police, "tính đến ngày 13/6/2024" and "tính đến ngày 08/10/2024".
    ("06", "civil_id", "2024-06-13"): {
        "cccd_applications": 309_358, "cccd_issued": 293_852, "eid_applications": 182_569,
        "eid_activated": 159_265, "eid_activated_level1": 43_965, "eid_activated_level2": 115_300,
    },
    ("06", "civil_id", "2024-10-08"): {
        "cccd_applications": 314_020, "cccd_issued": 299_310, "eid_applications": 188_930,
        "eid_activated": 159_820, "eid_activated_level1": 44_100, "eid_activated_level2": 115_720,
    },
    # Thái Nguyên after the merger with Bắc Kạn (1 July 2025), "6 tháng cuối năm 2025", commune level.
    ("19", "population", "2025-H2"): {
        "total": 1_799_480, "age_14_plus": 1_437_900, "adult": 1_352_600, "working_age": 1_121_400,
        "households": 523_800,
    },
    ("19", "telecom", "2025-H2"): {
        "fixed_subscribers": 17_350, "mobile_subscribers": 2_214_600, "smartphone_subscribers": 1_742_300,
        "internet_subscribers": 1_703_900, "ftth_households": 438_200, "bts_stations": 4_312,
        "fibre_km": 31_245.6,
    },
    ("19", "health", "2025-H2"): {
        "ehr_records": 1_768_400, "ehr_standardised": 1_640_200, "facilities": 402, "facilities_his": 402,
        "facilities_chip_id": 398, "facilities_cashless": 214,
    },
    ("19", "civil_id", "2025-H2"): {
        "cccd_applications": 1_612_300, "cccd_issued": 1_587_600, "eid_applications": 1_452_800,
        "eid_activated": 1_318_700, "eid_activated_level1": 214_500, "eid_activated_level2": 1_104_200,
    },
    ("19", "einvoice", "2025-H2"): {
        "active_enterprises": 9_846, "einvoice_enterprises": 9_812, "einvoices_issued": 28_416_500,
        "cash_register_businesses": 6_124, "etax_enterprises": 9_839,
    },
}

# Rough district populations (thousands): the shares every source's district split starts from.
DISTRICT_WEIGHTS: dict[str, float] = {
    # Bắc Kạn
    "058": 45, "060": 33, "061": 50, "062": 30, "063": 32, "064": 52, "065": 40, "066": 40,
    # Sơn La
    "116": 110, "118": 70, "119": 175, "120": 100, "121": 70, "122": 125, "123": 110, "124": 80,
    "125": 165, "126": 160, "127": 50, "128": 65,
    # Bến Tre
    "829": 125, "831": 165, "832": 110, "833": 145, "834": 170, "835": 135, "836": 180, "837": 130,
    "838": 110,
}

# How much more an urban area (thành phố, thị xã, phường) has of a source than its population share.
URBAN_FACTOR: dict[str, float] = {
    "population": 1.0, "telecom": 1.5, "health": 1.3, "civil_id": 1.05, "einvoice": 3.5,
}
FIELD_FACTOR: dict[str, float] = {  # overrides URBAN_FACTOR for single fields
    "bts_stations": 0.8, "fibre_km": 0.6, "facilities": 0.9, "fixed_subscribers": 2.5,
}
