"""Media Lab marker nodes for ComfyUI.

Input nodes mark a workflow's parameters (a name, and bounds where it makes sense) and pass
their value through unchanged; the output node marks what Media Lab publishes. Media Lab
rewrites every one of these nodes to core nodes before it submits a prompt, so a production
ComfyUI server does not need this package: it exists for authoring in the editor.

The module imports nothing from ComfyUI at import time, so it can be tested with a plain
Python interpreter.
"""

CATEGORY = "Media Lab"
SEED_MAX = 0xFFFFFFFFFFFFFFFF


class MediaLabText:
    """A text parameter (a prompt, lyrics, a speech script)."""

    CATEGORY = CATEGORY
    DESCRIPTION = "A text parameter of a Media Lab preset. Media Lab sets the value per job."
    RETURN_TYPES = ("STRING",)
    RETURN_NAMES = ("text",)
    FUNCTION = "run"

    @classmethod
    def INPUT_TYPES(cls):
        return {
            "required": {
                "name": ("STRING", {"default": "prompt"}),
                "value": ("STRING", {"multiline": True, "default": ""}),
            },
            "optional": {
                "description": ("STRING", {"default": ""}),
            },
        }

    def run(self, name, value, description=""):
        return (value,)


class MediaLabNumber:
    """A number parameter with bounds; both a FLOAT and a rounded INT come out."""

    CATEGORY = CATEGORY
    DESCRIPTION = "A number parameter of a Media Lab preset, with its bounds."
    RETURN_TYPES = ("FLOAT", "INT")
    RETURN_NAMES = ("float", "int")
    FUNCTION = "run"

    @classmethod
    def INPUT_TYPES(cls):
        return {
            "required": {
                "name": ("STRING", {"default": "strength"}),
                "value": ("FLOAT", {"default": 1.0, "min": -1.0e9, "max": 1.0e9, "step": 0.01}),
                "min": ("FLOAT", {"default": 0.0, "min": -1.0e9, "max": 1.0e9, "step": 0.01}),
                "max": ("FLOAT", {"default": 1.0, "min": -1.0e9, "max": 1.0e9, "step": 0.01}),
                "step": ("FLOAT", {"default": 0.01, "min": 0.0, "max": 1.0e9, "step": 0.001}),
            },
            "optional": {
                "description": ("STRING", {"default": ""}),
            },
        }

    def run(self, name, value, min, max, step, description=""):
        return (float(value), int(round(value)))


class MediaLabSeed:
    """A seed parameter: Media Lab picks a random one per job unless the caller gives one."""

    CATEGORY = CATEGORY
    DESCRIPTION = "A seed parameter of a Media Lab preset (random per job unless given)."
    RETURN_TYPES = ("INT",)
    RETURN_NAMES = ("seed",)
    FUNCTION = "run"

    @classmethod
    def INPUT_TYPES(cls):
        return {
            "required": {
                "name": ("STRING", {"default": "seed"}),
                "seed": ("INT", {"default": 0, "min": 0, "max": SEED_MAX, "control_after_generate": True}),
            },
        }

    def run(self, name, seed):
        return (seed,)


class MediaLabImage:
    """An image parameter. Connect a Load Image node: Media Lab uploads the job's image and
    points that Load Image at it."""

    CATEGORY = CATEGORY
    DESCRIPTION = "An image parameter of a Media Lab preset: connect the Load Image node it replaces."
    RETURN_TYPES = ("IMAGE",)
    RETURN_NAMES = ("image",)
    FUNCTION = "run"

    @classmethod
    def INPUT_TYPES(cls):
        return {
            "required": {
                "name": ("STRING", {"default": "image"}),
                "image": ("IMAGE",),
            },
            "optional": {
                "description": ("STRING", {"default": ""}),
            },
        }

    def run(self, name, image, description=""):
        return (image,)


class MediaLabOutput:
    """Marks what the preset publishes. In the editor it shows a preview; Media Lab replaces it
    with SaveImage / SaveAudio writing into the job's own folder."""

    CATEGORY = CATEGORY
    DESCRIPTION = "Marks the images or audio a Media Lab preset publishes."
    RETURN_TYPES = ()
    FUNCTION = "publish"
    OUTPUT_NODE = True

    @classmethod
    def INPUT_TYPES(cls):
        return {
            "required": {
                "name": ("STRING", {"default": "output"}),
            },
            "optional": {
                "images": ("IMAGE",),
                "audio": ("AUDIO",),
            },
            "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"},
        }

    def publish(self, name, images=None, audio=None, prompt=None, extra_pnginfo=None):
        if images is None:
            return {"ui": {}}
        try:
            import nodes as comfy_nodes  # only inside a running ComfyUI
        except ImportError:
            return {"ui": {}}
        return comfy_nodes.PreviewImage().save_images(images, prompt=prompt, extra_pnginfo=extra_pnginfo)


NODE_CLASS_MAPPINGS = {
    "MediaLabText": MediaLabText,
    "MediaLabNumber": MediaLabNumber,
    "MediaLabSeed": MediaLabSeed,
    "MediaLabImage": MediaLabImage,
    "MediaLabOutput": MediaLabOutput,
}

NODE_DISPLAY_NAME_MAPPINGS = {
    "MediaLabText": "MediaLab Text",
    "MediaLabNumber": "MediaLab Number",
    "MediaLabSeed": "MediaLab Seed",
    "MediaLabImage": "MediaLab Image",
    "MediaLabOutput": "MediaLab Output",
}
