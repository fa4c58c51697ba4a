"""GE's Data Docs index, rendered as plain HTML tables (``expectations.docs``): GE's default index fills its tables
with bootstrap-table, a script loaded from a CDN, so offline it shows nothing. Same links, same columns, no script.
Imported by GE's site builder (``site_index_builder.renderer``), so it imports GE at module level."""

from __future__ import annotations

from typing import Any

from great_expectations.render import RenderedStringTemplateContent, RenderedTableContent
from great_expectations.render.renderer import SiteIndexPageRenderer


def _text(text: str, href: str | None = None, classes: tuple[str, ...] = ()) -> RenderedStringTemplateContent:
    styling: dict[str, Any] = {"classes": list(classes)}
    template: dict[str, Any] = {"template": "$text", "params": {"text": text}, "styling": styling}
    if href:
        template["tag"] = "a"
        styling["attributes"] = {"href": href}
    return RenderedStringTemplateContent(content_block_type="string_template", string_template=template)


class OfflineIndexPageRenderer(SiteIndexPageRenderer):
    """``SiteIndexPageRenderer`` whose link tables are static (``RenderedTableContent``), newest run first."""

    @classmethod
    def _generate_validation_results_link_table(cls, index_links_dict: dict[str, Any]) -> RenderedTableContent:
        links = sorted(
            index_links_dict.get("validations_links", []),
            key=lambda d: (str(d.get("run_time")), str(d.get("expectation_suite_name"))),
            reverse=True,
        )
        rows = []
        for d in links:
            passed = bool(d.get("validation_success"))
            rows.append(
                [
                    _text(
                        "Đạt / Passed" if passed else "Không đạt / Failed",
                        classes=("text-success",) if passed else ("text-danger",),
                    ),
                    _text(cls._get_formatted_datetime(d.get("run_time")) or ""),
                    _text(str(d.get("run_name") or "")),
                    _text(str(d.get("batch_identifier") or ""), d.get("filepath")),
                    _text(str(d.get("expectation_suite_name") or ""), d.get("expectation_suite_filepath")),
                ]
            )
        return RenderedTableContent(
            content_block_type="table",
            table=rows,
            header_row=[
                "Kết quả / Status",
                "Thời điểm / Run time",
                "Bản công bố / Publication",
                "Bảng kiểm tra / Batch (kết quả / results)",
                "Bộ kiểm tra / Expectation suite",
            ],
            styling={
                "classes": ["col-12", "ge-index-page-table-container"],
                "body": {"classes": ["table", "table-sm", "ge-index-page-validation-results-table"]},
            },
        )

    @classmethod
    def _generate_expectation_suites_link_table(cls, index_links_dict: dict[str, Any]) -> RenderedTableContent:
        rows = [
            [_text(str(d.get("expectation_suite_name")), d.get("filepath"))]
            for d in sorted(
                index_links_dict.get("expectations_links", []), key=lambda d: str(d.get("expectation_suite_name"))
            )
        ]
        return RenderedTableContent(
            content_block_type="table",
            table=rows,
            header_row=["Bộ kiểm tra / Expectation suite"],
            styling={"classes": ["col-12"], "body": {"classes": ["table", "table-sm"]}},
        )
