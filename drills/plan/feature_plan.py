"""``drill plan`` for a feature file: its steps, matched to the step definitions, as phases.

The feature is parsed with pytest-bdd's parser (:func:`load_feature`, which ``drill run``
uses too) and each step is matched to its step
definition the way a run matches it: same step type, same parser, same arguments. ``STEP_PLANS``
(``steps/plans.py``) then says, for each step definition, which phases of the drill it runs, by
calling the same methods on a :class:`~drills.plan.planner.Planner` that the step calls on a
:class:`~drills.run.engine.Drill` (or the deployer). A step no definition matches is refused
with a :class:`~infra.core.errors.ConfigError` (exit 2) naming it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_bdd.exceptions import GherkinParseError
from pytest_bdd.parser import FeatureParser
from pytest_bdd.steps import StepFunctionContext, step_function_context_registry

from drills.plan.planner import CLOSING, PlannedPhase, Planner
from infra.core.errors import ConfigError

__all__ = ["STEPS_PLUGIN", "FeatureSteps", "MatchedStep", "PlanFn", "PlannedStep",
           "ScenarioPlan", "load_feature", "match_feature", "plan_feature", "step_definitions",
           "step_plans"]

PlanFn = Callable[..., None]

# The pytest plugin of the step definitions: its ``pytest_plugins`` name the step modules and
# its ``STEP_PLANS`` say what each step definition plans. Named here, not imported: the engine
# knows no step module, and ``drill run`` hands pytest the same name.
STEPS_PLUGIN = "steps.plugin"


def step_plans(plugin: str = STEPS_PLUGIN) -> Mapping[str, PlanFn]:
    """Step definition text -> what the step makes the drill do, from the steps plugin."""
    plans: Mapping[str, PlanFn] = importlib.import_module(plugin).STEP_PLANS
    return plans


def load_feature(path: Path) -> Any:
    """Parse a feature file, turning every problem into a ConfigError."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"feature file {str(path)!r} is a directory, not a feature file")
    if not path.is_file():
        raise ConfigError(f"feature file {str(path)!r} does not exist")
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"feature file {str(path)!r} is not UTF-8 text (byte {exc.start}: "
                          f"{exc.reason}); Gherkin files are UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"feature file {str(path)!r} cannot be read: {exc.strerror or exc}"
                          ) from None
    try:
        feature = FeatureParser(str(path.parent.resolve()), path.name).parse()
    except GherkinParseError as exc:
        # One line: the parser's own text spreads line number, line and file over four.
        detail = exc.message.removeprefix("Unknown parsing error: ")
        detail = " ".join(detail.replace("Parser errors:", "").split())
        raise ConfigError(f"feature file {str(path)!r} is not valid Gherkin: line {exc.line}: "
                          f"{detail} (the line reads {exc.line_content.strip()!r})") from None
    if not feature.scenarios:
        raise ConfigError(f"feature file {str(path)!r} has no scenario")
    return feature


@dataclass(frozen=True, slots=True)
class MatchedStep:
    """A feature step with the step definition it runs and the arguments parsed from it."""

    keyword: str
    text: str
    line: int
    pattern: str
    args: dict[str, Any]


@dataclass(frozen=True, slots=True)
class FeatureSteps:
    """A feature's scenarios, each with its matched steps, in order."""

    path: str
    scenarios: tuple[tuple[str, tuple[MatchedStep, ...]], ...]


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """A scenario step and the phases it runs (none for a step that only checks)."""

    keyword: str
    text: str
    phases: tuple[PlannedPhase, ...]


@dataclass(frozen=True, slots=True)
class ScenarioPlan:
    """Every phase a scenario would run, step by step, and the objectives it names."""

    name: str
    steps: tuple[PlannedStep, ...]
    objectives: tuple[float, float] | None


def step_definitions(modules: Iterable[str] | None = None) -> tuple[StepFunctionContext, ...]:
    """The step definitions of ``modules`` (default: those the steps plugin loads)."""
    if modules is None:
        modules = importlib.import_module(STEPS_PLUGIN).pytest_plugins
        for name in sorted(modules):
            importlib.import_module(name)
    wanted = set(modules)
    return tuple(ctx for ctx in list(step_function_context_registry.values())
                 if ctx.step_func.__module__ in wanted)


def match_feature(path: Path,
                  definitions: tuple[StepFunctionContext, ...] | None = None) -> FeatureSteps:
    """Parse ``path`` and match every step; ConfigError names the first unknown one."""
    feature = load_feature(path)
    defs = step_definitions() if definitions is None else definitions
    scenarios = []
    for template in feature.scenarios.values():
        contexts = [c for ex in template.examples for c in ex.as_contexts()] or [{}]
        for context in contexts:
            scenario = template.render(context)
            steps = tuple(_match(step, defs, path, scenario.name) for step in scenario.steps)
            scenarios.append((scenario.name, steps))
    return FeatureSteps(str(path), tuple(scenarios))


def _match(step: Any, defs: tuple[StepFunctionContext, ...], path: Path,
           scenario: str) -> MatchedStep:
    for ctx in defs:
        if ctx.type in (None, step.type) and ctx.parser.is_matching(step.name):
            raw = ctx.parser.parse_arguments(step.name) or {}
            args = {k: ctx.converters[k](v) if k in ctx.converters else v for k, v in raw.items()}
            return MatchedStep(step.keyword, step.name, step.line_number, ctx.parser.name, args)
    raise ConfigError(
        f"{path}:{step.line_number}: no step definition matches {step.keyword} "
        f"{step.name!r} (scenario {scenario!r}); a drill can neither plan nor run it. Use a "
        "step of steps/drill_steps.py, steps/fault_steps.py or steps/deploy_steps.py, or define "
        "the new one there and in drills/plan/feature_plan.py")


def plan_feature(matched: FeatureSteps, planner: Callable[[], Planner],
                 plans: Mapping[str, PlanFn] | None = None) -> tuple[ScenarioPlan, ...]:
    """Each scenario's phases, step by step, from a fresh planner per scenario."""
    known = step_plans() if plans is None else plans
    return tuple(_plan_scenario(name, steps, planner(), known)
                 for name, steps in matched.scenarios)


def _plan_scenario(name: str, steps: tuple[MatchedStep, ...], p: Planner,
                   plans: Mapping[str, PlanFn]) -> ScenarioPlan:
    planned = []
    for step in steps:
        fn = plans.get(step.pattern)
        if fn is None:
            raise ConfigError(f"step definition {step.pattern!r} has no entry in "
                              "steps/plans.py STEP_PLANS, so drill plan cannot say what it "
                              "does")
        start = len(p.phases)
        fn(p, **step.args)
        planned.append(PlannedStep(step.keyword, step.text, tuple(p.phases[start:])))
    closing = p.finish()
    if closing:
        planned.append(PlannedStep("", CLOSING, closing))
    return ScenarioPlan(name, tuple(planned), p.objectives)
