-- A reviewer's edit, stored as a word diff of the held text (JSON: [["-", "removed"],
-- ["+", "added"], [" ", "kept"]]), beside the text before and after. NULL unless edited; rows
-- edited before this column existed get their diff made from the two texts when read.
ALTER TABLE reviews ADD COLUMN diff_json TEXT;
