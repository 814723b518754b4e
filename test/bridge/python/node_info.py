"""Prints /object_info entries for a custom-node package, built the way ComfyUI's server does
(server.py node_info) for V1 nodes, without ComfyUI itself. Usage: node_info.py <package dir>"""
import importlib.util
import json
import os
import sys


def load_package(path):
    name = os.path.basename(os.path.normpath(path)).replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, os.path.join(path, "__init__.py"), submodule_search_locations=[path])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def node_info(package_dir_name, node_class, obj_class, display_names):
    inputs = obj_class.INPUT_TYPES()
    return {
        "input": inputs,
        "input_order": {key: list(value.keys()) for key, value in inputs.items()},
        "output": list(obj_class.RETURN_TYPES),
        "output_is_list": list(getattr(obj_class, "OUTPUT_IS_LIST", [False] * len(obj_class.RETURN_TYPES))),
        "output_name": list(getattr(obj_class, "RETURN_NAMES", obj_class.RETURN_TYPES)),
        "name": node_class,
        "display_name": display_names.get(node_class, node_class),
        "description": getattr(obj_class, "DESCRIPTION", ""),
        "python_module": "custom_nodes." + package_dir_name,
        "category": getattr(obj_class, "CATEGORY", "sd"),
        "output_node": bool(getattr(obj_class, "OUTPUT_NODE", False)),
    }


if __name__ == "__main__":
    package_dir = sys.argv[1]
    module = load_package(package_dir)
    dir_name = os.path.basename(os.path.normpath(package_dir))
    out = {
        name: node_info(dir_name, name, cls, module.NODE_DISPLAY_NAME_MAPPINGS)
        for name, cls in module.NODE_CLASS_MAPPINGS.items()
    }
    print(json.dumps(out, indent=2, sort_keys=True))
