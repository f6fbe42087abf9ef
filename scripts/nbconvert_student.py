# nbconvert configuration for `make student`: the student copy of a notebook.
#   jupyter nbconvert --config scripts/nbconvert_student.py --to notebook --output-dir DIR NOTEBOOKS
# Solution cells (tag "solution") go, outputs and execution counts go, and so
# does the metadata a run leaves (timings, stored widget state); cell tags, slide
# types, the kernel and the slideshow settings stay.
c = get_config()  # noqa: F821 (nbconvert provides it)
c.TagRemovePreprocessor.enabled = True
c.TagRemovePreprocessor.remove_cell_tags = {"solution"}
c.ClearOutputPreprocessor.enabled = True
c.ClearMetadataPreprocessor.enabled = True
c.ClearMetadataPreprocessor.preserve_cell_metadata_mask = {"tags", "slideshow"}
c.ClearMetadataPreprocessor.preserve_nb_metadata_mask = {"kernelspec", "language_info", "rise"}
