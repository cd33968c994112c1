"""Open a run's ``plan.gpkg`` in real QGIS (PyQGIS) with its stored default styles, check
them and render the network at two dates through the temporal settings.

Not part of the tests: QGIS is a large Debian package (``apt-get install
--no-install-recommends python3-qgis qgis-providers``, QGIS 3.22 on Debian 12) that CI does
not install. Run it with the system Python, which has PyQGIS::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/qgis_check.py outputs/jiangsu-default \\
        [--out docs/qgis-stages.png]

It fails (exit 1) when a layer does not load, a default style is not applied, the centres'
rule-based style or a temporal setting is missing, or a render reports an error; the picture
shows today (stage 0, by level) beside the last stage (by action), as the temporal controller
shows them.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tomllib
from pathlib import Path

from qgis.core import (  # type: ignore[import-not-found]
    QgsApplication,
    QgsDateTimeRange,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QSize, QTime  # type: ignore[import-not-found]
from qgis.PyQt.QtGui import QColor, QImage, QPainter  # type: ignore[import-not-found]

log = logging.getLogger("qgis_check")

LAYERS = ("counties", "boundaries", "assignments", "townships", "centres")
"""Bottom to top."""
TEMPORAL = ("assignments", "townships", "centres")


def load(gpkg: Path) -> list[QgsVectorLayer]:
    """The layers with their default styles; raise ``RuntimeError`` on any failure."""
    layers = []
    for name in LAYERS:
        layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
        if not layer.isValid():
            msg = f"{gpkg}: layer {name} does not load"
            raise RuntimeError(msg)
        message, ok = layer.loadDefaultStyle()
        if not ok:
            msg = f"{name}: default style not applied ({message})"
            raise RuntimeError(msg)
        temporal = layer.temporalProperties()
        if name in TEMPORAL and not (
            temporal.isActive()
            and temporal.startField() == "valid_from"
            and temporal.endField() == "valid_to"
        ):
            msg = f"{name}: temporal settings missing"
            raise RuntimeError(msg)
        log.info(
            "%s: %d features, renderer %s", name, layer.featureCount(), layer.renderer().type()
        )
        layers.append(layer)
    centres = layers[-1].renderer()
    if centres.type() != "RuleRenderer" or not centres.orderByEnabled():
        msg = "centres: expected the rule-based style drawn by descending area"
        raise RuntimeError(msg)
    return layers


def render(layers: list[QgsVectorLayer], year: int, size: QSize) -> QImage:
    """The map as the temporal controller shows it on 1 June of ``year``."""
    settings = QgsMapSettings()
    settings.setLayers(list(reversed(layers)))
    settings.setExtent(layers[0].extent())
    settings.setOutputSize(size)
    settings.setBackgroundColor(QColor("white"))
    settings.setIsTemporal(True)
    day = QDateTime(QDate(year, 6, 1), QTime(0, 0))
    settings.setTemporalRange(QgsDateTimeRange(day, day.addDays(1)))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    errors = [e.message for e in job.errors()]
    if errors:
        msg = f"render of {year} failed: {errors}"
        raise RuntimeError(msg)
    return job.renderedImage()


def years(run_dir: Path) -> list[int]:
    """Today's year and the stage years of the run folder's config (defaults if unset)."""
    config = tomllib.loads((run_dir / "config.toml").read_text(encoding="utf-8"))
    stages = config.get("stages", {})
    return [int(stages.get("base_year", 2025)), *stages.get("years", [2027, 2030, 2035])]


def main(argv: list[str] | None = None) -> int:
    """Check and render; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    app = QgsApplication([], False)
    app.initQgis()
    try:
        layers = load(args.run_dir / "plan.gpkg")
        first, last = years(args.run_dir)[0], years(args.run_dir)[-1]
        size = QSize(700, 700)
        images = [render(layers, year, size) for year in (first, last)]
        if args.out is not None:
            canvas = QImage(size.width() * 2, size.height(), QImage.Format_RGB32)
            canvas.fill(QColor("white"))
            painter = QPainter(canvas)
            for i, image in enumerate(images):
                painter.drawImage(i * size.width(), 0, image)
            painter.end()
            args.out.parent.mkdir(parents=True, exist_ok=True)
            if not canvas.save(str(args.out)):
                msg = f"cannot write {args.out}"
                raise RuntimeError(msg)
            log.info("%s written: %d (left) and %d (right)", args.out, first, last)
    except RuntimeError as err:
        log.error("error: %s", err)
        return 1
    finally:
        app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
