"""Refresh the coordinates in cities.csv from cpca's adcodes.csv.

cities.csv itself holds the curated selection (names, province, weight); this
script looks every row up in the adcodes table shipped by the MIT-licensed
``cpca`` wheel (cpca/resources/adcodes.csv) and rewrites latitude/longitude.

    pip download --no-deps -d /tmp/citydata cpca==0.5.5
    unzip -q /tmp/citydata/cpca-0.5.5-py3-none-any.whl -d /tmp/citydata/cpca
    python scripts/make_cities.py /tmp/citydata/cpca/cpca/resources/adcodes.csv

Not used at run time; see PROVENANCE.md.
"""

import csv
import sys
from pathlib import Path

CITIES = Path(__file__).resolve().parent.parent / "sites" / "data" / "cities.csv"
FIELDS = ["name_en", "name_zh", "province_en", "latitude", "longitude", "weight"]
# fmt: off
PROVINCE_CODES = {
    "Beijing": "11", "Tianjin": "12", "Hebei": "13", "Shanxi": "14",
    "Inner Mongolia": "15", "Liaoning": "21", "Jilin": "22", "Heilongjiang": "23",
    "Shanghai": "31", "Jiangsu": "32", "Zhejiang": "33", "Anhui": "34",
    "Fujian": "35", "Jiangxi": "36", "Shandong": "37", "Henan": "41",
    "Hubei": "42", "Hunan": "43", "Guangdong": "44", "Guangxi": "45",
    "Hainan": "46", "Chongqing": "50", "Sichuan": "51", "Guizhou": "52",
    "Yunnan": "53", "Tibet": "54", "Shaanxi": "61", "Gansu": "62",
    "Qinghai": "63", "Ningxia": "64", "Xinjiang": "65",
}
# fmt: on
SUFFIXES = ("市", "地区")  # 那曲 is still listed as 那曲地区 in cpca 0.5.5


def level(adcode: str) -> int:
    """Trailing zeros of an adcode: more zeros means a higher-level division."""
    return len(adcode) - len(adcode.rstrip("0"))


def locate(adcodes: list[dict[str, str]], name_zh: str, province: str) -> dict[str, str]:
    """The highest-level division named name_zh + 市/地区 inside the province."""
    prefix = PROVINCE_CODES[province]
    names = {name_zh + suffix for suffix in SUFFIXES}
    hits = [r for r in adcodes if r["adcode"].startswith(prefix) and r["name"] in names]
    if not hits:
        raise SystemExit(f"{name_zh} ({province}) not found in adcodes")
    top = max(level(r["adcode"]) for r in hits)
    best = [r for r in hits if level(r["adcode"]) == top]
    if len(best) != 1:
        raise SystemExit(f"{name_zh} ({province}) is ambiguous: {best}")
    return best[0]


def main(adcodes_csv: str) -> None:
    with Path(adcodes_csv).open(encoding="utf-8", newline="") as fh:
        adcodes = list(csv.DictReader(fh))
    with CITIES.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        hit = locate(adcodes, row["name_zh"], row["province_en"])
        lat, lon = float(hit["latitude"]), float(hit["longitude"])
        if not (18 <= lat <= 54 and 73 <= lon <= 135):
            raise SystemExit(f"{row['name_en']}: {lat}, {lon} outside China")
        row["latitude"], row["longitude"] = f"{lat:.4f}", f"{lon:.4f}"
    with CITIES.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {CITIES}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: make_cities.py PATH/TO/cpca/resources/adcodes.csv")
    main(sys.argv[1])
