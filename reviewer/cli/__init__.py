"""The command line: the only place that wires sources, backends and sinks together,
and the only place that prints."""

from __future__ import annotations

import click

from .. import __version__
from .action import action_cmd
from .bench import bench_cmd
from .calibrate import calibrate_cmd
from .common import EXIT_CODES_HELP
from .doctor import doctor_cmd
from .eval import eval_cmd
from .models import models_cmd
from .review import review
from .style import style_cmd
from .triage import triage_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="reviewer")
def main() -> None:
    """reviewer: pull-request review on a model that runs on your own machine.

    Nothing leaves the machine: the diff, the prompts and the model all stay local.
    """


main.add_command(review)
main.add_command(triage_cmd)
main.add_command(models_cmd)
main.add_command(bench_cmd)
main.add_command(eval_cmd)
main.add_command(action_cmd)
main.add_command(style_cmd)
main.add_command(calibrate_cmd)
main.add_command(doctor_cmd)
