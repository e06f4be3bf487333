"""The stages of the pipeline, one module (or package) each; `registry` lists them in order."""
