"""Image metadata interop: byte-level containers (PNG chunks, JPEG segments, WebP RIFF chunks), our
writers and readers for the formats other studios write. Pure Python + Pillow: no Django.

- `containers`: walk, insert and strip metadata in PNG/JPEG/WebP without touching pixel data; C2PA
  detection; where each file really ends (for polyglot checks).
- `exif`: a minimal EXIF (TIFF) block holding UserComment the way A1111 writes it.
- `readers`: A1111/Forge/SD.Next, ComfyUI, InvokeAI, SwarmUI, Fooocus, NovelAI and our own block.
"""
