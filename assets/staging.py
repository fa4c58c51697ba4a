"""Staging layer: one asset per departmental spec, ``stg_<source>``, built from the spec by a factory."""


import dagster as dg

from assets.raw import raw_files
from pipelines.settings import XhsSettings
from sources.archive import RawArchive
from sources.spec import Spec, load_specs
from sources.staging import Stager, build_staging_table, source_of


def staging_asset(spec: Spec) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"stg_{spec.source}",
        group_name="staging",
        kinds={"polars", "parquet"},
        deps=[raw_files],
        description=f"{spec.name_en} ({spec.name_vi}): every value of every {spec.source} file that passed the "
        f"reader's checks, long format, with file, sheet and cell. Spec: sources/specs/{spec.path.name}.",
    )
    def _stage(context: dg.AssetExecutionContext, settings: XhsSettings) -> dg.MaterializeResult:
        paths = settings.paths()
        archive = RawArchive(paths.raw)
        stager = Stager(archive, paths.staging)
        staged = [stager.stage(m) for m in archive.all() if source_of(m) == spec.source]
        frame = build_staging_table(staged, spec.source, paths.staging_table(spec.source))
        rejected = [s for s in staged if not s.ok]
        for s in rejected:
            first = s.errors[0] if s.errors else None
            context.log.warning(f"{s.name}: {s.status}: {first.message_en if first else ''}")
        return dg.MaterializeResult(metadata={
            "files_loaded": sum(s.ok for s in staged),
            "files_rejected": len(rejected),
            "rows": frame.height,
            "periods": dg.MetadataValue.text(", ".join(sorted(set(frame["period_code"].to_list())))),
            "rejected": dg.MetadataValue.md("\n".join(f"- {s.name}: {s.status}" for s in rejected) or "none"),
        })

    return _stage


staging_assets = [staging_asset(spec) for spec in load_specs().values()]
