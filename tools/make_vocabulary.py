"""Write the generated modules of the workload:

* recommender/_vocabulary.py, the plain tables of the workload's pydantic models
  (recommender/_model.py) that recommender/_workload.py checks workloads with;
* recommender/_generated.py, straight-line code made from those tables (recommender/_codegen.py):
  each model's plain check, each record's to_dict, and flatten().

Run it after changing a model; tests/test_workload.py fails while either file is out of date.

    python tools/make_vocabulary.py
"""

import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "recommender"

if __name__ == "__main__":
    # Each in a fresh interpreter in the checkout (its recommender, not an installed one), so
    # that the code is made from the tables just written.
    for target, source in (("_vocabulary.py", "recommender._model:vocabulary_source"),
                           ("_generated.py", "recommender._codegen:generated_source")):
        module, function = source.split(":")
        text = subprocess.run(
            [sys.executable, "-c", f"import sys; from {module} import {function}; "
                                   f"sys.stdout.write({function}())"],
            check=True, stdout=subprocess.PIPE, text=True, encoding="utf-8",
            cwd=PACKAGE.parent, env={**os.environ, "PYTHONIOENCODING": "utf-8"}).stdout
        (PACKAGE / target).write_text(text, encoding="utf-8")
        print(f"wrote {PACKAGE / target}")
