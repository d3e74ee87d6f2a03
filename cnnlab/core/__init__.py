"""Plain-Python layer core: specs, parsing, links, arithmetic, presets, settings; imports only the stdlib."""
