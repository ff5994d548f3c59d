"""Reading the three official layouts from workbooks, 广州 PDFs and pasted text.

* ``text`` and ``workbook`` turn a source into :class:`~projects.layouts.sheet.Sheet` grids
  (cell strings with a cell reference for each cell; merges and hidden rows handled):
  workbooks (.xlsx, .xls, .ods) are read by python-calamine, after ``xlsx`` has checked and
  scanned them without it (sizes, zip bombs, DOCTYPEs, cells and merges beyond the limits);
  a published 广州 PDF is read by ``pdf_extract`` (pdfplumber, in a child process with memory
  and time limits) into ruled tables and lines, which ``pdf`` joins across pages into one sheet;
* ``limits`` checks each field's length against its column, naming the cell;
* ``detect`` finds the forms on a sheet by the labels of the registered layouts
  (``projects.layouts.LAYOUTS``) and ``parse`` has each one read by its layout's own reader
  (``Layout.reader``) into a :class:`~projects.content.FormContent`;
* ``sources`` reads files (and the import JSON) into an import plan (``plan``);
* cleaning cell text and reading amounts, years and categories is ``projects.layouts.normalize``,
  which the layouts' readers share.

Nothing here writes to the database; ``projects.services.importing`` matches and writes.
"""
