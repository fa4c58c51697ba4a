"""`xhs ui --read-only`, the viewers' UI: it shows the runs and assets of a real deployment, and its GraphQL API
refuses to launch, cancel, delete or wipe anything, or to switch a schedule on (issue #19)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui_helpers import graphql, running_ui

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)

READ = """{
  runsOrError { __typename ... on Runs { results { runId status } } }
  assetNodes { assetKey { path } }
  repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } jobs { name } } } }
  assetOrError(assetKey: {path: ["stg_telecom"]}) { ... on Asset { assetMaterializations(limit: 100) { runId } } }
}"""

REFUSAL = "__typename ... on Error { message }"
MUTATIONS = {
    "launchRun": f"mutation($p: ExecutionParams!) {{ launchRun(executionParams: $p) {{ {REFUSAL} }} }}",
    "launchPipelineExecution": (
        f"mutation($p: ExecutionParams!) {{ launchPipelineExecution(executionParams: $p) {{ {REFUSAL} }} }}"
    ),
    "wipeAssets": f'mutation {{ wipeAssets(assetPartitionRanges: [{{assetKey: {{path: ["stg_telecom"]}}}}, '
    f'{{assetKey: {{path: ["raw_files"]}}}}]) {{ {REFUSAL} }} }}',
    "terminateRun": f"mutation($run: String!) {{ terminateRun(runId: $run) {{ {REFUSAL} "
    f"... on TerminateRunFailure {{ message }} }} }}",
    "deleteRun": f"mutation($run: String!) {{ deleteRun(runId: $run) {{ {REFUSAL} }} }}",
    "startSchedule": f"mutation($s: ScheduleSelector!) {{ startSchedule(scheduleSelector: $s) {{ {REFUSAL} }} }}",
}


def _state(port: int) -> dict:
    answer = graphql(port, READ)
    assert "errors" not in answer, answer
    return answer["data"]


def test_read_only_ui_shows_everything_and_refuses_every_change(sample_warehouse: Path) -> None:
    with running_ui(sample_warehouse, "--read-only") as (port, _):
        before = _state(port)
        runs = before["runsOrError"]["results"]
        assert before["runsOrError"]["__typename"] == "Runs" and runs, before  # the sample run is visible
        assert {"raw_files", "stg_telecom", "fact_indicator"} <= {
            n["assetKey"]["path"][-1] for n in before["assetNodes"]
        }
        assert before["assetOrError"]["assetMaterializations"], "stg_telecom has been materialised"
        [repo] = before["repositoriesOrError"]["nodes"]
        assert "materialize_all" in {j["name"] for j in repo["jobs"]}
        where = {"repositoryLocationName": repo["location"]["name"], "repositoryName": repo["name"]}
        variables = {
            "p": {"selector": {**where, "jobName": "materialize_all"}, "runConfigData": {}},
            "run": runs[0]["runId"],
            "s": {**where, "scheduleName": "nightly"},
        }

        refusals = {}
        for name, mutation in MUTATIONS.items():
            answer = graphql(port, mutation, variables)
            assert "errors" not in answer, (name, answer)
            refusals[name] = answer["data"][name]
        unauthorised = {"__typename": "UnauthorizedError", "message": "Authorization failed"}
        assert refusals == {
            **{name: unauthorised for name in MUTATIONS},
            "terminateRun": {
                "__typename": "TerminateRunFailure",
                "message": "You do not have permission to terminate this run",
            },
        }

        after = _state(port)
        assert after["runsOrError"] == before["runsOrError"]  # nothing launched, cancelled or deleted
        assert after["assetOrError"] == before["assetOrError"]  # nothing wiped
