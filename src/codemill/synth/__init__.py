"""OSS-Instruct-style synthesis: verified problems for the categories the mined pairs leave short.

- `seeds`: real code spans from kept train-split pairs (`Hunk`, `Seed`), chosen deterministically;
- `prompts`: the task style per category and the answer layout the model is asked for;
- `requests`: `select`'s shortfall to the list of requests (ids, seeds, sampling seeds);
- `parse`: an answer to problem, solution and tests (`Parsed`, or `ParseError` with what was missing);
- `verify`: static checks, then the tests against the solution in the sandbox (`Verdict`);
- `dedup`: exact and MinHash near duplicates among verified problems and against the run's pair instructions.

The `synth` stage (`codemill.stages.synth`) wires them to `codemill.llm` and the run's decontaminator.
"""

from codemill.synth.dedup import Candidate, Duplicate, find_duplicates
from codemill.synth.parse import Parsed, ParseError, parse_answer
from codemill.synth.requests import SynthRequest, lacking, plan_requests
from codemill.synth.seeds import Hunk, Seed, hunks_of
from codemill.synth.verify import Verdict, static_check, verify

__all__ = [
    "Candidate", "Duplicate", "Hunk", "ParseError", "Parsed", "Seed", "SynthRequest", "Verdict", "find_duplicates",
    "hunks_of", "lacking", "parse_answer", "plan_requests", "static_check", "verify",
]
