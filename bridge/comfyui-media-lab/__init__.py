"""Media Lab for ComfyUI: parameter marker nodes and a "Publish to Media Lab" editor command.

Install by copying (or linking) this folder into ComfyUI's `custom_nodes/`.
"""

from .nodes import NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS

# ComfyUI serves every .js file in this folder to the editor.
WEB_DIRECTORY = "./js"

__all__ = ["NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS", "WEB_DIRECTORY"]
