"""Write recommender/_vocabulary.py, the plain tables of the workload's pydantic models
(recommender/_model.py) that recommender/_workload.py checks workloads with. Run it after
changing a model; tests/test_workload.py fails while the file is out of date.

    python tools/make_vocabulary.py
"""

from pathlib import Path

from recommender._model import vocabulary_source

TARGET = Path(__file__).resolve().parent.parent / "recommender" / "_vocabulary.py"

if __name__ == "__main__":
    TARGET.write_text(vocabulary_source(), encoding="utf-8")
    print(f"wrote {TARGET}")
