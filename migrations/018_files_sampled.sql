-- mediadex catalog schema: migration 18.
--
-- `files.sampled`: the file's size-and-sampled-blocks hash (`s1:` and 32 hex
-- digits, see `sampled::sampled_hash` in the core crate), taken when the file
-- is probed. A file that vanishes from one file system while a file of the
-- same size appears on another under the roots of the same scan is that file,
-- moved, when the new file's sampled hash equals the one stored here: its bytes
-- are gone by then, so the hash has to be known beforehand. NULL for rows
-- probed before this migration, or whose file could not be read whole.

ALTER TABLE files ADD COLUMN sampled TEXT;
