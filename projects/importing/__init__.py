"""Reading the three official layouts from workbooks and pasted text.

* ``text`` and ``xlsx`` turn a source into :class:`~projects.importing.sheet.Sheet` grids (cell
  strings with a cell reference for each cell; merges and hidden rows handled);
* ``detect`` finds the forms on a sheet by their labels (``projects.layouts``) and ``parse`` reads
  each one into a :class:`~projects.content.FormContent`;
* ``sources`` reads files (and the import JSON) into an import plan (``plan``);
* ``normalize`` cleans cell text and reads amounts, years and indicator categories.

Nothing here writes to the database; ``projects.services.importing`` matches and writes.
"""
