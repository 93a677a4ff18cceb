"""The architecture as a pipeline of stages, for the Mermaid and SVG diagrams of a report.

    data source -> ingestion -> storage -> transformation -> training -> deployment -> monitoring

Each stage shows the primary choice of its category (the source shows the workload's `source`).
When a managed AI service does the modelling, the training stage names that service.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._advice import Advice
from ._safetext import for_mermaid

__all__ = ["Stage", "stages", "mermaid"]

_SOURCES = {"s3": "Amazon S3", "on_premises_files": "On-premises files",
            "on_premises_database": "On-premises database", "cloud_database": "Cloud database",
            "application_logs": "Application logs", "clickstream": "Clickstream",
            "iot_devices": "IoT devices", "video_cameras": "Video cameras",
            "partner_files": "Partner files", "saas": "SaaS applications"}


#: The monitoring item a diagram shows, in order of preference (the stack's first otherwise).
_MONITORS = ("SageMaker Model Monitor", "Amazon CloudWatch")


@dataclass(frozen=True)
class Stage:
    key: str      # a short identifier: source, ingestion, storage, ...
    title: str    # what the stage does: "Ingestion"
    choice: str   # what does it: "Amazon Kinesis Data Streams"


def stages(advice: Advice) -> list[Stage]:
    w = advice.workload
    out = [Stage("source", "Data source", _SOURCES.get(w.source, w.source))]
    for key, title in (("ingestion", "Ingestion"), ("storage", "Storage"),
                       ("transformation", "Transformation")):
        out.append(Stage(key, title, advice.primary(key).choice))
    service = advice.primary("service_choice").choice
    if service == "Amazon SageMaker":
        training = f"{advice.primary('algorithm').choice} on Amazon SageMaker"
    else:
        training = service
    out.append(Stage("training", "Training", training))
    out.append(Stage("deployment", "Deployment", advice.primary("deployment").choice))
    monitoring = advice.choices("monitoring")
    shown = next((c for c in _MONITORS if c in monitoring), monitoring[0])
    out.append(Stage("monitoring", "Monitoring", shown))
    return out


def mermaid(advice: Advice) -> str:
    """A Mermaid flowchart (renders on GitHub inside a ```mermaid block). A label's text is
    written with Mermaid entity codes (safetext.for_mermaid): a choice named in a team's rules
    cannot end the label, the node or the fence."""
    lines = ["flowchart LR"]
    nodes = stages(advice)
    for stage in nodes:
        label = f"{for_mermaid(stage.title)}<br/>{for_mermaid(stage.choice)}"
        lines.append(f'    {stage.key}["{label}"]')
    for a, b in zip(nodes, nodes[1:]):
        lines.append(f"    {a.key} --> {b.key}")
    return "\n".join(lines)
