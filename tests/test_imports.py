import subprocess
import sys


def test_techniques_import_neither_matplotlib_nor_ipywidgets():
    # Figures and widgets live in stealkit.plots and stealkit.widgets, above the techniques.
    code = (
        "import sys; import stealkit.attacks, stealkit.watermark, stealkit.dataset_inference, "
        "stealkit.paper.label_only; "
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'ipywidgets')]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
