"""``xhs publish``: a versioned release folder ``<out>/<YYYY-MM-DD>-<n>/`` from the published warehouse.

Disclosure control is applied and checked (blocking) before anything is written; the release is written into a
temporary folder beside the target, validated with Frictionless, and only then renamed into place, so a refused
or failed release leaves nothing half-written."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from runtime import progress
from runtime.files import PUBLIC_DIR, PUBLIC_FILE, set_tree_mode
from warehouse.release import changelog, datapackage, disclosure, formats, site
from warehouse.release.meta import release_meta
from warehouse.release.tables import PRIMARY_KEY, Release, public, read_release

NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-(\d+)$")
ALL = "all-indicators"
CATALOGUE = "indicators"
WORKBOOK = "xhs-indicators.xlsx"


class ReleaseError(RuntimeError):
    """The release was refused or could not be built; nothing was written."""


def releases_in(out: Path) -> list[Path]:
    """Existing releases in ``out``, oldest first (by date, then number)."""
    found = [(NAME.match(p.name), p) for p in out.iterdir() if p.is_dir()] if out.is_dir() else []
    return [p for m, p in sorted(((m, p) for m, p in found if m), key=lambda mp: (mp[0][1], int(mp[0][2])))]


def next_name(out: Path, today: date) -> str:
    numbers = [int(m[2]) for p in releases_in(out) if (m := NAME.match(p.name)) and m[1] == today.isoformat()]
    return f"{today.isoformat()}-{max(numbers, default=0) + 1}"


def _readme(release: Release, name: str, modified: str) -> list[tuple[str, str]]:
    meta = release_meta()
    cov = datapackage.coverage(release)
    return [
        ("Tên / Title", f"{meta['title_vi']} / {meta['title_en']}"),
        ("Bản phát hành / Release", name),
        ("Cập nhật / Modified", modified),
        ("Mô tả", meta["description_vi"].strip()),
        ("Description", meta["description_en"].strip()),
        ("Đơn vị công bố / Publisher", f"{meta['publisher_vi']} / {meta['publisher_en']} <{meta['contact_email']}>"),
        ("Giấy phép / Licence", f"{meta['license']['title']} ({meta['license']['path']})"),
        ("Thời gian / Temporal coverage", f"{cov['temporal']['start']} – {cov['temporal']['end']}"),
        ("Phạm vi / Spatial coverage", "; ".join(cov["spatial"])),
        ("Kiểm soát công bố", disclosure.RULE_VI),
        ("Disclosure control", disclosure.RULE_EN),
        ("Sheet indicators", "Danh mục chỉ tiêu: tên, đơn vị, định nghĩa, mục tiêu. / Indicator catalogue."),
        ("Sheet data", "Mọi chỉ tiêu theo đơn vị và kỳ. / Every indicator by area and period."),
        *((f"Cột / Column {c}", d) for c, d in release.descriptions.items() if c in public(release.facts).columns),
    ]


def _write(root: Path, release: Release, name: str, modified: datetime, previous: Path | None) -> None:
    stamp = modified.strftime("%Y-%m-%dT%H:%M:%SZ")
    data = root / "data"
    facts = public(release.facts)
    resources, files = [], []
    progress.stage("release: tables")
    formats.write_table(facts, data, ALL)
    formats.write_table(release.indicators, data, CATALOGUE)
    resources.append(
        datapackage.csv_resource(
            data / f"{ALL}.csv",
            root,
            facts,
            release.descriptions,
            name=ALL,
            title="Mọi chỉ tiêu / All indicators",
            description="Mọi chỉ tiêu theo đơn vị và kỳ. / Every indicator by area and period.",
            primary_key=PRIMARY_KEY,
        )
    )
    resources.append(
        datapackage.csv_resource(
            data / f"{CATALOGUE}.csv",
            root,
            release.indicators,
            release.indicator_descriptions,
            name=CATALOGUE,
            title="Danh mục chỉ tiêu / Indicator catalogue",
            description="Tên, đơn vị, định nghĩa, công thức, mục tiêu. / Names, units, definitions, formulas, targets.",
            primary_key=("indicator_code",),
        )
    )
    by_code = {p["indicator_code"][0]: p for p in facts.partition_by("indicator_code")}
    for ind in release.indicators.iter_rows(named=True):
        frame = by_code.get(ind["indicator_code"], facts.clear())
        formats.write_table(frame, data, ind["indicator_code"])
        resources.append(
            datapackage.indicator_resource(data / f"{ind['indicator_code']}.csv", root, frame, release, ind)
        )
    formats.write_workbook(
        root / WORKBOOK, _readme(release, name, stamp), [("indicators", release.indicators), ("data", facts)], modified
    )
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".parquet", ".xlsx")):
        mediatype = (
            "application/vnd.apache.parquet"
            if path.suffix == ".parquet"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        files.append(
            {"path": path.relative_to(root).as_posix(), "mediatype": mediatype, **datapackage.file_stats(path)}
        )
    files += [
        {"path": r["path"], "mediatype": r["mediatype"], "bytes": r["bytes"], "hash": r["hash"]} for r in resources
    ]
    descriptor = datapackage.package(name, stamp, resources, release)
    descriptor["downloads"] = sorted(files, key=lambda f: f["path"])
    (root / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (root / "dcat.json").write_text(
        json.dumps(datapackage.dcat(descriptor, descriptor["downloads"]), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    prev_frame = changelog.read_previous(previous, f"data/{ALL}.csv")
    (root / "CHANGELOG.md").write_text(
        changelog.render(name, previous.name if previous else None, prev_frame, facts), encoding="utf-8"
    )
    progress.stage("release: site")
    site.write_site(root / "site", release, name, WORKBOOK)


def validate_package(root: Path) -> list[str]:
    """Frictionless validation of the written package (offline: every path is local)."""
    from frictionless import validate

    report = validate(str(root / "datapackage.json"))
    if report.valid:
        return []
    return [f"{task.name}: {e.type}: {e.note}" for task in report.tasks for e in task.errors][:20] + [
        f"{e.type}: {e.note}" for e in report.errors
    ][:20]


def build_release(warehouse: Path, out: Path, now: datetime | None = None) -> Path:
    """Build, check and atomically publish a release; returns its folder. Raises ``ReleaseError``."""
    if not warehouse.exists():
        raise ReleaseError(f"không có kho dữ liệu / no warehouse at {warehouse}")
    now = now or datetime.now(UTC)
    release = read_release(warehouse)
    if release.facts.is_empty():
        raise ReleaseError(f"kho dữ liệu chưa có số liệu chỉ tiêu / the warehouse has no indicator values: {warehouse}")
    try:
        disclosure.assert_safe(release.facts, release.person_codes)
    except disclosure.DisclosureError as exc:
        raise ReleaseError(str(exc)) from exc
    if not out.exists():  # the releases folder is public; an existing one keeps the mode its operator gave it
        out.mkdir(parents=True)
        out.chmod(PUBLIC_DIR)
    earlier = releases_in(out)
    previous = earlier[-1] if earlier else None
    name = next_name(out, now.date())
    tmp = Path(tempfile.mkdtemp(dir=out, prefix=f".tmp-{name}-"))
    try:
        _write(tmp, release, name, now, previous)
        progress.stage("release: checking the data package")
        problems = validate_package(tmp)
        if problems:
            raise ReleaseError("gói dữ liệu không hợp lệ / the data package is not valid: " + "; ".join(problems))
        set_tree_mode(tmp, PUBLIC_DIR, PUBLIC_FILE)  # public: the umask of xhs (027) would hide it from the web server
        target = out / name
        if target.exists():  # another publish took the name meanwhile: never replace a release
            raise ReleaseError(f"bản phát hành đã tồn tại / release already exists: {target}")
        tmp.rename(target)  # atomic on one file system
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
