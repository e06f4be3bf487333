"""The pipeline's stages, in the order they run. Each module is one stage; its name is the stage's folder.

Kept apart from `codemill.stages` itself so that importing a helper inside a stage package (a language table,
a message parser) does not import every stage.
"""

from __future__ import annotations

from codemill.engine.stage import Stage
from codemill.stages.bugs import BugsStage
from codemill.stages.clean import CleanStage
from codemill.stages.commits import CommitsStage
from codemill.stages.corpus import CorpusStage
from codemill.stages.debugging import DebuggingStage
from codemill.stages.dedup import DedupStage
from codemill.stages.documents import DocumentsStage
from codemill.stages.events import EventsStage
from codemill.stages.export import ExportStage
from codemill.stages.export_tasks import ExportTasksStage
from codemill.stages.files import FilesStage
from codemill.stages.issues import IssuesStage
from codemill.stages.neardup import NearDupStage
from codemill.stages.pairs import PairsStage
from codemill.stages.repos import ReposStage
from codemill.stages.reviews import ReviewsStage
from codemill.stages.rl import RLStage
from codemill.stages.select import SelectStage
from codemill.stages.signatures import SignaturesStage
from codemill.stages.sources import SourcesStage
from codemill.stages.synth import SynthStage
from codemill.stages.tasks import TasksStage

# History (SFT pairs, verified tasks) first, then the pretraining corpus; both start from the kept repositories.
PIPELINE: tuple[type[Stage], ...] = (
    SourcesStage, ReposStage, CommitsStage, EventsStage, IssuesStage, ReviewsStage, PairsStage, TasksStage,
    BugsStage, DebuggingStage, SelectStage, SynthStage, RLStage, ExportStage, ExportTasksStage,
    FilesStage, CleanStage, SignaturesStage, NearDupStage, DedupStage, DocumentsStage, CorpusStage,
)
STAGES: dict[str, type[Stage]] = {s.name: s for s in PIPELINE}
