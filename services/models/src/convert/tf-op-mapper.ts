import type { ConstTensor } from './const-tensor.js';
import { intValues } from './const-tensor.js';
import { transpose } from './constant-folder.js';
import type { OnnxAttributeValue, OnnxGraphBuilder } from './onnx-graph-builder.js';
import type { TfNode } from './tfjs-graph.js';
import { attrBool, attrFloat, attrInt, attrInts, attrString, attrStrings } from './tfjs-graph.js';
import { UnsupportedOpError } from './unsupported-op-error.js';

/** What an op mapping sees of the conversion in progress. */
export interface MappingContext {
  readonly builder: OnnxGraphBuilder;
  /** The value of a tensor known at conversion time, if it is one. */
  constant(ref: string): ConstTensor | undefined;
  /** The ONNX value name of a tensor; constants become float initializers. */
  value(ref: string): string;
}

type OpMapping = (node: TfNode, ctx: MappingContext) => void;

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

/** Ops whose mapping the converter knows; `ei models convert` names any other. */
export function isSupportedOp(op: string): boolean {
  return op in MAPPINGS;
}

export function mapTfNode(node: TfNode, ctx: MappingContext): void {
  const mapping = MAPPINGS[node.op];
  if (mapping === undefined) throw new UnsupportedOpError(node.op, node.name);
  mapping(node, ctx);
}

function out(node: TfNode, index = 0): string {
  return `${node.name}:${index}`;
}

function requireConstant(
  node: TfNode,
  ctx: MappingContext,
  inputIndex: number,
  what: string,
): ConstTensor {
  const tensor = ctx.constant(node.inputs[inputIndex]!);
  if (tensor === undefined)
    throw new UnsupportedOpError(node.op, node.name, `${what} must be a constant`);
  return tensor;
}

const unary =
  (
    opType: string,
    attributes: (node: TfNode) => Record<string, OnnxAttributeValue> = () => ({}),
  ): OpMapping =>
  (node, ctx) => {
    ctx.builder.addNode(opType, [ctx.value(node.inputs[0]!)], [out(node)], attributes(node));
  };

const binary =
  (opType: string): OpMapping =>
  (node, ctx) => {
    ctx.builder.addNode(
      opType,
      [ctx.value(node.inputs[0]!), ctx.value(node.inputs[1]!)],
      [out(node)],
    );
  };

/** True for the NHWC layout TF uses by default; NCHW graphs need no transposes. */
function isNhwc(node: TfNode): boolean {
  return (attrString(node, 'data_format') ?? 'NHWC') === 'NHWC';
}

/** ONNX wants NCHW for Conv/Pool/Resize: wrap the op between two Transposes when TF ran it in NHWC. */
function inNchw(
  node: TfNode,
  ctx: MappingContext,
  input: string,
  body: (nchwInput: string) => string,
): void {
  const { builder } = ctx;
  if (!isNhwc(node)) {
    builder.addNode('Identity', [body(input)], [out(node)]);
    return;
  }
  const [nchw] = builder.addNode(
    'Transpose',
    [input],
    [builder.uniqueName(`${node.name}/to_nchw`)],
    { perm: NHWC_TO_NCHW },
  );
  builder.addNode('Transpose', [body(nchw!)], [out(node)], { perm: NCHW_TO_NHWC });
}

/** Spatial attributes of a TF conv or pool (strides, dilations, padding) in ONNX form. */
function spatialAttributes(node: TfNode, kernelRank = 2): Record<string, OnnxAttributeValue> {
  const nhwc = isNhwc(node);
  const spatial = (values: number[]): number[] =>
    values.length === 4 ? (nhwc ? values.slice(1, 3) : values.slice(2, 4)) : values;
  const strides = spatial(attrInts(node, 'strides'));
  const attributes: Record<string, OnnxAttributeValue> = {
    strides: strides.length ? strides : new Array<number>(kernelRank).fill(1),
  };
  const dilations = spatial(attrInts(node, 'dilations'));
  if (dilations.length) attributes.dilations = dilations;
  const padding = attrString(node, 'padding') ?? 'VALID';
  if (padding === 'SAME') {
    // TF's SAME puts the odd padding pixel at the end, as ONNX SAME_UPPER does.
    attributes.auto_pad = 'SAME_UPPER';
  } else if (padding === 'EXPLICIT') {
    const explicit = attrInts(node, 'explicit_paddings');
    const [h, w] = nhwc ? [1, 2] : [2, 3];
    attributes.pads = [
      explicit[2 * h]!,
      explicit[2 * w]!,
      explicit[2 * h + 1]!,
      explicit[2 * w + 1]!,
    ];
  } else if (padding !== 'VALID') {
    throw new UnsupportedOpError(node.op, node.name, `padding ${padding}`);
  }
  return attributes;
}

/** Applies the fused ops of _FusedConv2D / _FusedDepthwiseConv2dNative after the conv (in NCHW). */
function fusedActivation(node: TfNode, ctx: MappingContext, input: string): string {
  const { builder } = ctx;
  const fused = attrStrings(node, 'fused_ops').filter((op) => op !== 'BiasAdd');
  let value = input;
  for (const op of fused) {
    const next = builder.uniqueName(`${node.name}/${op}`);
    if (op === 'Relu') builder.addNode('Relu', [value], [next]);
    else if (op === 'Relu6')
      builder.addNode(
        'Clip',
        [value, scalar(ctx, node, 'zero', 0), scalar(ctx, node, 'six', 6)],
        [next],
      );
    else if (op === 'LeakyRelu')
      builder.addNode('LeakyRelu', [value], [next], {
        alpha: { float: attrFloat(node, 'leakyrelu_alpha') ?? 0.2 },
      });
    else if (op === 'Elu') builder.addNode('Elu', [value], [next]);
    else if (op === 'Sigmoid') builder.addNode('Sigmoid', [value], [next]);
    else throw new UnsupportedOpError(node.op, node.name, `fused op ${op}`);
    value = next;
  }
  return value;
}

function scalar(ctx: MappingContext, node: TfNode, label: string, value: number): string {
  return ctx.builder.addFloatInitializer(ctx.builder.uniqueName(`${node.name}/${label}`), {
    dtype: 'float32',
    shape: [],
    data: Float32Array.of(value),
  });
}

function conv(node: TfNode, ctx: MappingContext, depthwise: boolean): void {
  const { builder } = ctx;
  const filter = requireConstant(node, ctx, 1, 'the filter');
  const [kh, kw, inChannels, multiplier] = filter.shape as [number, number, number, number];
  // TF filters are HWIO (depthwise: H W C M); ONNX wants OIHW (depthwise: C*M 1 H W, group C).
  const weights = depthwise
    ? { ...transpose(filter, [2, 3, 0, 1]), shape: [inChannels * multiplier, 1, kh, kw] }
    : transpose(filter, [3, 2, 0, 1]);
  const weightName = builder.addFloatInitializer(`${node.name}/weights`, weights);
  const inputs = [weightName];
  const fusedOps = attrStrings(node, 'fused_ops');
  if (fusedOps.includes('BiasAdd')) inputs.push(ctx.value(node.inputs[2]!));
  const attributes = spatialAttributes(node);
  attributes.kernel_shape = [kh, kw];
  if (depthwise) attributes.group = inChannels;
  inNchw(node, ctx, ctx.value(node.inputs[0]!), (x) => {
    const [convOut] = builder.addNode(
      'Conv',
      [x, ...inputs],
      [builder.uniqueName(`${node.name}/conv`)],
      attributes,
    );
    return fusedActivation(node, ctx, convOut!);
  });
}

function pool(opType: 'MaxPool' | 'AveragePool'): OpMapping {
  return (node, ctx) => {
    const ksize = attrInts(node, 'ksize');
    const attributes = spatialAttributes(node);
    attributes.kernel_shape = isNhwc(node) ? ksize.slice(1, 3) : ksize.slice(2, 4);
    // TF averages over the valid pixels only.
    if (opType === 'AveragePool') attributes.count_include_pad = 0;
    inNchw(
      node,
      ctx,
      ctx.value(node.inputs[0]!),
      (x) =>
        ctx.builder.addNode(
          opType,
          [x],
          [ctx.builder.uniqueName(`${node.name}/pool`)],
          attributes,
        )[0]!,
    );
  };
}

function pad(node: TfNode, ctx: MappingContext, mode: string): void {
  const paddings = intValues(requireConstant(node, ctx, 1, 'the paddings'));
  const rank = paddings.length / 2;
  // TF: [[begin, end] per axis]; ONNX: [all begins, all ends].
  const pads = [
    ...Array.from({ length: rank }, (_, d) => paddings[2 * d]!),
    ...Array.from({ length: rank }, (_, d) => paddings[2 * d + 1]!),
  ];
  const inputs = [
    ctx.value(node.inputs[0]!),
    ctx.builder.addInt64Initializer(`${node.name}/pads`, [pads.length], pads),
  ];
  if (node.inputs[2] !== undefined) inputs.push(ctx.value(node.inputs[2]));
  ctx.builder.addNode('Pad', inputs, [out(node)], { mode });
}

function resize(mode: 'linear' | 'nearest'): OpMapping {
  return (node, ctx) => {
    const size = intValues(requireConstant(node, ctx, 1, 'the output size'));
    const alignCorners = attrBool(node, 'align_corners') ?? false;
    const halfPixel = attrBool(node, 'half_pixel_centers') ?? false;
    const attributes: Record<string, OnnxAttributeValue> = {
      mode,
      axes: [2, 3],
      coordinate_transformation_mode: alignCorners
        ? 'align_corners'
        : halfPixel
          ? mode === 'nearest'
            ? 'tf_half_pixel_for_nn'
            : 'half_pixel'
          : 'asymmetric',
    };
    if (mode === 'nearest') attributes.nearest_mode = alignCorners ? 'round_prefer_ceil' : 'floor';
    const sizes = ctx.builder.addInt64Initializer(`${node.name}/sizes`, [2], size);
    inNchw(
      {
        ...node,
        attr: { ...node.attr, data_format: { s: Buffer.from('NHWC').toString('base64') } },
      },
      ctx,
      ctx.value(node.inputs[0]!),
      (x) =>
        ctx.builder.addNode(
          'Resize',
          [x, '', '', sizes],
          [ctx.builder.uniqueName(`${node.name}/resize`)],
          attributes,
        )[0]!,
    );
  };
}

const MAPPINGS: Record<string, OpMapping> = {
  Identity: unary('Identity'),
  Snapshot: unary('Identity'),
  StopGradient: unary('Identity'),
  Relu: unary('Relu'),
  Sigmoid: unary('Sigmoid'),
  Tanh: unary('Tanh'),
  Exp: unary('Exp'),
  Elu: unary('Elu'),
  Softmax: unary('Softmax', () => ({ axis: -1 })),
  LeakyRelu: unary('LeakyRelu', (node) => ({ alpha: { float: attrFloat(node, 'alpha') ?? 0.2 } })),
  Relu6: (node, ctx) => {
    ctx.builder.addNode(
      'Clip',
      [ctx.value(node.inputs[0]!), scalar(ctx, node, 'zero', 0), scalar(ctx, node, 'six', 6)],
      [out(node)],
    );
  },
  Add: binary('Add'),
  AddV2: binary('Add'),
  BiasAdd: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  RealDiv: binary('Div'),
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  Conv2D: (node, ctx) => conv(node, ctx, false),
  _FusedConv2D: (node, ctx) => conv(node, ctx, false),
  DepthwiseConv2dNative: (node, ctx) => conv(node, ctx, true),
  _FusedDepthwiseConv2dNative: (node, ctx) => conv(node, ctx, true),
  // TF.js writes the fused depthwise op without the leading underscore.
  FusedDepthwiseConv2dNative: (node, ctx) => conv(node, ctx, true),
  MaxPool: pool('MaxPool'),
  AvgPool: pool('AveragePool'),
  Pad: (node, ctx) => pad(node, ctx, 'constant'),
  PadV2: (node, ctx) => pad(node, ctx, 'constant'),
  MirrorPad: (node, ctx) =>
    pad(node, ctx, attrString(node, 'mode') === 'SYMMETRIC' ? 'edge' : 'reflect'),
  ResizeBilinear: resize('linear'),
  ResizeNearestNeighbor: resize('nearest'),
  Reshape: (node, ctx) => {
    const shape = intValues(requireConstant(node, ctx, 1, 'the shape'));
    ctx.builder.addNode(
      'Reshape',
      [
        ctx.value(node.inputs[0]!),
        ctx.builder.addInt64Initializer(`${node.name}/shape`, [shape.length], shape),
      ],
      [out(node)],
    );
  },
  Transpose: (node, ctx) => {
    ctx.builder.addNode('Transpose', [ctx.value(node.inputs[0]!)], [out(node)], {
      perm: intValues(requireConstant(node, ctx, 1, 'the permutation')),
    });
  },
  ConcatV2: (node, ctx) => {
    const axis = intValues(requireConstant(node, ctx, node.inputs.length - 1, 'the axis'))[0]!;
    ctx.builder.addNode(
      'Concat',
      node.inputs.slice(0, -1).map((input) => ctx.value(input)),
      [out(node)],
      { axis },
    );
  },
  SplitV: (node, ctx) => {
    const sizes = intValues(requireConstant(node, ctx, 1, 'the split sizes'));
    const axis = intValues(requireConstant(node, ctx, 2, 'the split axis'))[0]!;
    if (sizes.includes(-1)) throw new UnsupportedOpError(node.op, node.name, 'split sizes of -1');
    const outputs = sizes.map((_, k) => out(node, k));
    ctx.builder.addNode(
      'Split',
      [
        ctx.value(node.inputs[0]!),
        ctx.builder.addInt64Initializer(`${node.name}/split`, [sizes.length], sizes),
      ],
      outputs,
      { axis },
    );
  },
  Split: (node, ctx) => {
    const axis = intValues(requireConstant(node, ctx, 0, 'the split axis'))[0]!;
    const count = attrInt(node, 'num_split') ?? 1;
    const outputs = Array.from({ length: count }, (_, k) => out(node, k));
    ctx.builder.addNode('Split', [ctx.value(node.inputs[1]!)], outputs, {
      axis,
      num_outputs: count,
    });
  },
  Squeeze: (node, ctx) => {
    const axes = attrInts(node, 'squeeze_dims');
    const inputs = [ctx.value(node.inputs[0]!)];
    if (axes.length)
      inputs.push(ctx.builder.addInt64Initializer(`${node.name}/axes`, [axes.length], axes));
    ctx.builder.addNode('Squeeze', inputs, [out(node)]);
  },
  ExpandDims: (node, ctx) => {
    const axes = intValues(requireConstant(node, ctx, 1, 'the axis'));
    ctx.builder.addNode(
      'Unsqueeze',
      [
        ctx.value(node.inputs[0]!),
        ctx.builder.addInt64Initializer(`${node.name}/axes`, [axes.length], axes),
      ],
      [out(node)],
    );
  },
};
