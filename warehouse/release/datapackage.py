"""The Frictionless data package (``datapackage.json``) and the DCAT-style catalogue record (``dcat.json``).

Field descriptions are the schema's bilingual COMMENTs, indicator names, units, definitions and sources are
``dim_indicator``; only what the warehouse does not know (publisher, licence, keywords) is in ``release.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

from sources.archive.raw import sha256_of
from warehouse.release import disclosure
from warehouse.release.meta import release_meta
from warehouse.release.tables import PRIMARY_KEY, Release

_TYPES: dict[PolarsDataType, str] = {
    pl.String: "string",
    pl.Float64: "number",
    pl.Int64: "integer",
    pl.Int32: "integer",
    pl.Date: "date",
    pl.Boolean: "boolean",
}


def file_stats(path: Path) -> dict[str, Any]:
    return {"bytes": path.stat().st_size, "hash": "sha256:" + sha256_of(path)}


def schema(frame: pl.DataFrame, descriptions: dict[str, str], primary_key: tuple[str, ...]) -> dict[str, Any]:
    fields = []
    for name, dtype in frame.schema.items():
        field: dict[str, Any] = {"name": name, "type": _TYPES.get(dtype, "string")}
        if descriptions.get(name):
            field["description"] = descriptions[name]
        if name in primary_key:
            field["constraints"] = {"required": True}
        fields.append(field)
    return {"fields": fields, "primaryKey": list(primary_key), "missingValues": [""]}


def source_title(source: str) -> str:
    """The reporting department of a source, from its spec (``sources/specs/<source>.yaml``), both languages."""
    from sources.specs.model import load_specs

    spec = load_specs().get(source)
    if spec is None:
        return source
    return f"{spec.department_vi} / {spec.department_en} ({spec.name_vi} / {spec.name_en})"


def _source(row: dict[str, Any]) -> list[dict[str, str]]:
    return [{"title": source_title(row["source"])}]


def csv_resource(
    path: Path,
    root: Path,
    frame: pl.DataFrame,
    descriptions: dict[str, str],
    *,
    name: str,
    title: str,
    description: str,
    primary_key: tuple[str, ...],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "path": path.relative_to(root).as_posix(),
        "profile": "tabular-data-resource",
        "title": title,
        "description": description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8-sig",
        **file_stats(path),
        "schema": schema(frame, descriptions, primary_key),
        **(extra or {}),
    }


def indicator_resource(
    path: Path, root: Path, frame: pl.DataFrame, release: Release, indicator: dict[str, Any]
) -> dict[str, Any]:
    """One indicator's CSV: names, unit, definitions (both languages), source and targets from dim_indicator."""
    return csv_resource(
        path,
        root,
        frame,
        release.descriptions,
        name=indicator["indicator_code"],
        title=f"{indicator['name_vi']} / {indicator['name_en']}",
        description=f"{indicator['definition_vi']} / {indicator['definition_en']}",
        primary_key=PRIMARY_KEY,
        extra={
            "unit": indicator["unit"],
            "kind": indicator["kind"],
            "aggregate": indicator["aggregate"],
            "scale_max": indicator["scale_max"],
            "out_of": indicator["out_of"],
            "sources": _source(indicator),
            "target_2025": indicator["target_2025"],
            "target_2030": indicator["target_2030"],
            "target_source": indicator["target_source"],
            "disclosure_controlled": indicator["indicator_code"] in release.person_codes,
        },
    )


def coverage(release: Release) -> dict[str, Any]:
    facts = release.facts
    periods = facts.select(pl.col("period_end").min().alias("start"), pl.col("period_end").max().alias("end"))
    return {
        "temporal": {
            "start": str(facts["period_code"].min()),
            "end": str(facts["period_code"].max()),
            "start_date": str(periods["start"][0]),
            "end_date": str(periods["end"][0]),
        },
        "spatial": [
            f"{r['province_name']} ({r['province_code']}, {r['vintage']})" for r in release.areas.iter_rows(named=True)
        ],
    }


def package(name: str, modified: str, resources: list[dict[str, Any]], release: Release) -> dict[str, Any]:
    meta = release_meta()
    cov = coverage(release)
    return {
        "profile": "tabular-data-package",
        "name": "xhs-" + name,
        "id": "xhs-" + name,
        "version": name,
        "title": f"{meta['title_vi']} / {meta['title_en']}",
        "description": f"{meta['description_vi'].strip()} / {meta['description_en'].strip()}",
        "keywords": meta["keywords"],
        "licenses": [meta["license"]],
        "sources": [{"title": source_title(s)} for s in release.indicators["source"].unique(maintain_order=True)],
        "contributors": [
            {
                "title": f"{meta['publisher_vi']} / {meta['publisher_en']}",
                "role": "publisher",
                "email": meta["contact_email"],
            }
        ],
        "created": modified,
        "modified": modified,
        "temporal_coverage": cov["temporal"],
        "spatial_coverage": cov["spatial"],
        "disclosure_control": {"vi": disclosure.RULE_VI, "en": disclosure.RULE_EN},
        "resources": resources,
    }


def dcat(package_descriptor: dict[str, Any], files: list[dict[str, Any]]) -> dict[str, Any]:
    """A DCAT (W3C Data Catalog Vocabulary) dataset record of the release, as JSON-LD."""
    meta = release_meta()
    cov = package_descriptor["temporal_coverage"]
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "vcard": "http://www.w3.org/2006/vcard/ns#",
            "spdx": "http://spdx.org/rdf/terms#",
        },
        "@type": "dcat:Dataset",
        "dct:identifier": package_descriptor["id"],
        "dct:title": [{"@language": "vi", "@value": meta["title_vi"]}, {"@language": "en", "@value": meta["title_en"]}],
        "dct:description": [
            {"@language": "vi", "@value": meta["description_vi"].strip()},
            {"@language": "en", "@value": meta["description_en"].strip()},
        ],
        "dcat:keyword": meta["keywords"],
        "dct:publisher": {
            "@type": "foaf:Organization",
            "foaf:name": meta["publisher_vi"],
            "foaf:name@en": meta["publisher_en"],
        },
        "dcat:contactPoint": {
            "@type": "vcard:Organization",
            "vcard:fn": meta["publisher_en"],
            "vcard:hasEmail": "mailto:" + meta["contact_email"],
        },
        "dct:temporal": {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": cov["start_date"],
            "dcat:endDate": cov["end_date"],
        },
        "dct:spatial": package_descriptor["spatial_coverage"],
        "dct:modified": package_descriptor["modified"],
        "dct:license": meta["license"]["path"],
        "dcat:version": package_descriptor["version"],
        "dcat:distribution": [
            {
                "@type": "dcat:Distribution",
                "dcat:downloadURL": f["path"],
                "dcat:mediaType": f["mediatype"],
                "dcat:byteSize": f["bytes"],
                "spdx:checksum": {"spdx:algorithm": "sha256", "spdx:checksumValue": f["hash"].split(":", 1)[1]},
            }
            for f in files
        ],
    }
