// Workflows the tests share: the recorded happy path of shared/comfyui-protocol.md.
export const HAPPY = {
  '1': { class_type: 'LoadImage', inputs: { image: 'red.png' } },
  '2': { class_type: 'LoadImage', inputs: { image: 'bluegreen.png' } },
  '3': { class_type: 'ImageBlend', inputs: { image1: ['1', 0], image2: ['2', 0], blend_factor: 0.5, blend_mode: 'normal' } },
  '4': { class_type: 'ImageScaleBy', inputs: { image: ['3', 0], upscale_method: 'lanczos', scale_by: 2 } },
  '5': { class_type: 'SaveImage', inputs: { images: ['4', 0], filename_prefix: 'medialab' } },
};
