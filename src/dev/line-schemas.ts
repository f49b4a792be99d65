/**
 * The request bodies LINE's Messaging API accepts, as zod schemas named after LINE's objects
 * (TextMessage, FlexBubble, PostbackAction, PushMessageRequest, ...), for the fake LINE API
 * (fake-line-api.ts) and for tests that check messages without a server (`validateLineRequest`).
 *
 * Limits are LINE's: messaging-api.yml (LINE's OpenAPI files) plus the Messaging API reference.
 * Lengths are counted in UTF-16 code units (an astral emoji counts as 2), which is how LINE counts
 * the 5000 of a text message and is never laxer than LINE elsewhere; zod's own `.min()`/`.max()`
 * on strings count code points, so strings are measured by `text()` below instead.
 *
 * A refusal is reported as LINE reports it: one detail per problem, `{ message, property }`, with
 * LINE's property paths (`messages[0].contents.body.contents[1].action.uri`). An absent or null
 * property that is required "must be specified"; an optional one may be absent or null. Unknown
 * properties are let through, as LINE ignores them. A size problem of a list hides the problems of
 * its items, and the checks that look at a whole object (a carousel's columns alike, a flex
 * message's byte size, a rich menu's areas inside its image) run even when a property of the
 * object is wrong, so one request reports everything LINE would.
 */
import { z } from 'zod';

export type LineErrorDetail = { message: string; property: string };

const INF = Number.POSITIVE_INFINITY;

/** LINE's wording of a detail's message. */
export const LINE_DETAIL_MESSAGES = {
  missing: 'must be specified',
  empty: 'May not be empty',
  length: (min: number, max: number): string => `Length must be between ${min} and ${max}`,
  size: (min: number, max: number): string =>
    min === max ? `Size must be ${min}` : max === INF ? `Size must be at least ${min}` : `Size must be between ${min} and ${max}`,
  range: (min: number, max: number): string => `Must be between ${min} and ${max}`,
  oneOf: (values: readonly string[]): string => `Must be one of the following values: [${values.join(', ')}]`,
  type: (what: string): string => `Must be ${what}`,
  uri: (schemes: readonly string[]): string => `Invalid URI: must be an absolute ${schemes.join('/')} URI`,
  duplicate: 'Duplicate user IDs are not allowed',
} as const;
const say = LINE_DETAIL_MESSAGES;

// ---------------------------------------------------------------------------------------------
// Building blocks: zod types carrying LINE's wording
// ---------------------------------------------------------------------------------------------

type Value = Readonly<Record<string, unknown>>;
/** A check of a whole object: `problem(message, ...path)` reports at a property below it. */
type Refine = (value: Value, problem: (message: string, ...path: (string | number)[]) => void) => void;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What is wrong with the length (in UTF-16 units) of a string, if anything. */
function lengthProblem(value: string, min: number, max: number): string | undefined {
  if (value.length === 0 && min > 0) return say.empty;
  if (value.length < min || value.length > max) return say.length(min, max);
  return undefined;
}

/** A string of min..max UTF-16 code units. */
function text(min: number, max: number = INF) {
  return z.string({ error: say.type('a string') }).superRefine((value, ctx) => {
    const problem = lengthProblem(value, min, max);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** An absolute URL of at most max units whose scheme is one of schemes (https only by default). */
function url(max: number, schemes: readonly string[] = ['https']) {
  return z.string({ error: say.type('a string') }).superRefine((value, ctx) => {
    const parsed = URL.parse(value);
    const problem = lengthProblem(value, 1, max) ?? (parsed === null || !schemes.includes(parsed.protocol.slice(0, -1)) ? say.uri(schemes) : undefined);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

function int(min = -INF, max = INF, multipleOf = 1) {
  return z.number({ error: say.type('an integer') }).superRefine((value, ctx) => {
    const problem = !Number.isInteger(value)
      ? say.type('an integer')
      : value < min || value > max
        ? say.range(min, max)
        : value % multipleOf !== 0
          ? say.type(`a multiple of ${multipleOf}`)
          : undefined;
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

function num(min: number, max: number) {
  return z
    .number({ error: say.type('a number') })
    .min(min, say.range(min, max))
    .max(max, say.range(min, max));
}

const bool = z.boolean({ error: say.type('a boolean') });

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: say.oneOf(values) });
}

/**
 * An array of min..max items, each an item: the size is checked first, and only a list of the
 * right size has its items checked (the pipe stops at the size problem).
 */
function list<T extends z.ZodType>(min: number, max: number, item: T) {
  return z
    .array(z.unknown(), { error: say.type('an array') })
    .superRefine((value, ctx) => {
      if (value.length < min || value.length > max) ctx.addIssue({ code: 'custom', message: say.size(min, max) });
    })
    .pipe(z.array(item));
}

/** An object with these properties; others are let through, as LINE ignores them. */
function object<S extends z.core.$ZodLooseShape>(shape: S) {
  return z.looseObject(shape, { error: say.type('an object') });
}

/** An optional property: absent and null are both fine. */
function opt<T extends z.ZodType>(schema: T) {
  return schema.nullish();
}

/**
 * schema with a check of the whole object, run whenever the value is an object at all: zod would
 * skip it once a property has failed, but LINE reports both in one answer.
 */
function refined<T extends z.ZodType>(schema: T, refine: Refine | undefined): T {
  if (refine === undefined) return schema;
  return schema.superRefine(
    (value, ctx) => {
      refine(value as Value, (message, ...path) => ctx.addIssue({ code: 'custom', message, path }));
    },
    { when: (payload) => isRecord(payload.value) },
  );
}

type Kind = z.ZodObject<{ type: z.ZodLiteral<string> } & z.core.$ZodLooseShape, z.core.$loose>;

/** One of several objects, chosen by `type`: a missing type must be specified, an unknown one is listed. */
function byType(...kinds: readonly [Kind, ...Kind[]]) {
  const names = kinds.map((kind) => kind.shape.type.value);
  return z.discriminatedUnion('type', kinds, {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return say.type('an object');
      return isRecord(issue.input) && issue.input.type === undefined ? say.missing : say.oneOf(names);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Actions. Where an action sits decides which action types it may be and what its label may be.
// ---------------------------------------------------------------------------------------------

const MEDIA_URL = url(2000); // image, video, audio, icon and thumbnail URLs: HTTPS, <= 2000
const ACTION_URI = url(1000, ['http', 'https', 'line', 'tel']);

const PostbackAction = object({
  type: z.literal('postback'),
  data: text(0, 300),
  displayText: opt(text(1, 300)),
  text: opt(text(1, 300)), // deprecated twin of displayText
  inputOption: opt(oneOf(['closeRichMenu', 'openRichMenu', 'openKeyboard', 'openVoice'])),
  fillInText: opt(text(0, 300)),
});
const MessageAction = object({ type: z.literal('message'), text: text(1, 300) });
const URIAction = object({ type: z.literal('uri'), uri: ACTION_URI, altUri: opt(object({ desktop: opt(url(1000, ['http', 'https'])) })) });
const DatetimePickerAction = object({
  type: z.literal('datetimepicker'),
  data: text(0, 300),
  mode: oneOf(['date', 'time', 'datetime']),
  initial: opt(text(1)),
  max: opt(text(1)),
  min: opt(text(1)),
});
const ClipboardAction = object({ type: z.literal('clipboard'), clipboardText: text(1, 1000) });
const RichMenuSwitchAction = object({ type: z.literal('richmenuswitch'), richMenuAliasId: text(1, 32), data: text(0, 300) });
const CameraAction = object({ type: z.literal('camera') });
const CameraRollAction = object({ type: z.literal('cameraRoll') });
const LocationAction = object({ type: z.literal('location') });

const DATETIME_FORMATS: Readonly<Record<string, { pattern: RegExp; min: string; max: string; example: string }>> = {
  date: { pattern: /^\d{4}-\d{2}-\d{2}$/, min: '1900-01-01', max: '2100-12-31', example: '2100-12-31' },
  time: { pattern: /^\d{2}:\d{2}$/, min: '00:00', max: '23:59', example: '23:59' },
  datetime: { pattern: /^\d{4}-\d{2}-\d{2}[tT]\d{2}:\d{2}$/, min: '1900-01-01T00:00', max: '2100-12-31T23:59', example: '2100-12-31T23:59' },
};

/** A postback's displayText and its deprecated twin text exclude each other. */
const postbackTextOnce: Refine = (action, problem) => {
  if (action.displayText !== undefined && action.text !== undefined) problem('displayText and text cannot be specified together', 'text');
};

/** A datetime picker's initial, min and max are in its mode's format, within LINE's range and in order. */
const datetimesInOrder: Refine = (action, problem) => {
  const format = typeof action.mode === 'string' ? DATETIME_FORMATS[action.mode] : undefined;
  if (format === undefined) return;
  const values: Record<string, string> = {};
  for (const key of ['initial', 'min', 'max'] as const) {
    const value = action[key];
    if (typeof value !== 'string') continue;
    const normalized = value.replace('t', 'T');
    if (!format.pattern.test(value) || normalized < format.min || normalized > format.max) {
      problem(`Must be in the format of ${format.example}, between ${format.min} and ${format.max}`, key);
    } else {
      values[key] = normalized;
    }
  }
  const { initial, min, max } = values;
  if (min !== undefined && max !== undefined && min >= max) problem('Must be later than min', 'max');
  if (initial !== undefined && min !== undefined && initial < min) problem('Must not be earlier than min', 'initial');
  if (initial !== undefined && max !== undefined && initial > max) problem('Must not be later than max', 'initial');
};

const ACTIONS = {
  postback: { schema: PostbackAction, refine: postbackTextOnce },
  message: { schema: MessageAction },
  uri: { schema: URIAction },
  datetimepicker: { schema: DatetimePickerAction, refine: datetimesInOrder },
  clipboard: { schema: ClipboardAction },
  richmenuswitch: { schema: RichMenuSwitchAction },
  camera: { schema: CameraAction },
  cameraRoll: { schema: CameraRollAction },
  location: { schema: LocationAction },
} satisfies Record<string, { schema: Kind; refine?: Refine }>;
type ActionType = keyof typeof ACTIONS;

const COMMON_ACTIONS = ['postback', 'message', 'uri', 'datetimepicker', 'clipboard'] as const satisfies readonly ActionType[];
type ActionPlace = 'quickReply' | 'templateButton' | 'templateDefault' | 'imageCarousel' | 'flexButton' | 'flexArea' | 'richMenu';
const ACTION_PLACES: Readonly<Record<ActionPlace, { types: readonly [ActionType, ...ActionType[]]; label: { required: boolean; max: number } }>> = {
  // place: action types allowed there, and whether a label is required and its maximum length
  quickReply: { types: [...COMMON_ACTIONS, 'camera', 'cameraRoll', 'location'], label: { required: true, max: 20 } },
  templateButton: { types: COMMON_ACTIONS, label: { required: true, max: 20 } }, // buttons, confirm, carousel
  templateDefault: { types: COMMON_ACTIONS, label: { required: false, max: 20 } }, // defaultAction (tap on image/column)
  imageCarousel: { types: COMMON_ACTIONS, label: { required: false, max: 12 } },
  flexButton: { types: COMMON_ACTIONS, label: { required: true, max: 40 } }, // the button component
  flexArea: { types: COMMON_ACTIONS, label: { required: false, max: 40 } }, // box / image / text / bubble action
  richMenu: { types: [...COMMON_ACTIONS, 'richmenuswitch'], label: { required: false, max: 20 } }, // a rich menu area
};

/** The action schema of each place, built once: the place's label in front of each allowed action's own properties. */
const Action = Object.fromEntries(
  Object.entries(ACTION_PLACES).map(([place, { types, label }]) => {
    const labelSchema = label.required ? text(1, label.max) : opt(text(1, label.max));
    const [first, ...rest] = types.map((type): Kind => {
      const { schema, refine } = ACTIONS[type] as { schema: Kind; refine?: Refine };
      return refined(object({ label: labelSchema, ...schema.shape }), refine);
    });
    return [place, byType(first as Kind, ...rest)];
  }),
) as Record<ActionPlace, ReturnType<typeof byType>>;

// ---------------------------------------------------------------------------------------------
// Common message properties
// ---------------------------------------------------------------------------------------------

const QuickReplyItem = object({ type: oneOf(['action']), imageUrl: opt(MEDIA_URL), action: Action.quickReply });
const QuickReply = object({ items: list(1, 13, QuickReplyItem) });
const Sender = object({ name: opt(text(1, 20)), iconUrl: opt(MEDIA_URL) });

// ---------------------------------------------------------------------------------------------
// Flex: containers hold components, components hold components; actions anywhere.
// ---------------------------------------------------------------------------------------------

const AnyFlexComponent = z.lazy((): z.ZodType => FlexComponent);

const FlexBox = object({
  type: z.literal('box'),
  layout: oneOf(['horizontal', 'vertical', 'baseline']),
  contents: list(0, INF, AnyFlexComponent),
  action: opt(Action.flexArea),
});
const FlexButton = object({
  type: z.literal('button'),
  action: Action.flexButton,
  style: opt(oneOf(['primary', 'secondary', 'link'])),
  height: opt(oneOf(['sm', 'md'])),
});
const FlexImage = object({ type: z.literal('image'), url: MEDIA_URL, action: opt(Action.flexArea) });
const FlexVideo = object({
  type: z.literal('video'),
  url: MEDIA_URL,
  previewUrl: MEDIA_URL,
  altContent: AnyFlexComponent,
  action: opt(Action.flexArea),
});
const FlexIcon = object({ type: z.literal('icon'), url: MEDIA_URL });
const FlexSpan = object({ type: z.literal('span'), text: text(1) });
const FlexText = refined(
  object({
    type: z.literal('text'),
    text: opt(text(1)),
    contents: opt(list(0, INF, byType(FlexSpan))),
    action: opt(Action.flexArea),
  }),
  (flexText, problem) => {
    if (flexText.text === undefined && flexText.contents === undefined) problem(say.missing, 'text');
  },
);
const FlexSeparator = object({ type: z.literal('separator') });
const FlexFiller = object({ type: z.literal('filler') });
const FlexComponent = byType(FlexBox, FlexButton, FlexImage, FlexVideo, FlexIcon, FlexText, FlexSeparator, FlexFiller);

const FlexBubble = object({
  type: z.literal('bubble'),
  header: opt(byType(FlexBox)),
  hero: opt(byType(FlexBox, FlexImage, FlexVideo)),
  body: opt(byType(FlexBox)),
  footer: opt(byType(FlexBox)),
  size: opt(oneOf(['nano', 'micro', 'deca', 'hecto', 'kilo', 'mega', 'giga'])),
  direction: opt(oneOf(['ltr', 'rtl'])),
  action: opt(Action.flexArea),
});
const FlexCarousel = object({ type: z.literal('carousel'), contents: list(1, 12, byType(FlexBubble)) });
const FlexContainer = byType(FlexBubble, FlexCarousel);

/** JSON size limits of a flex container, in bytes. */
const FLEX_MAX_BYTES: Readonly<Record<string, number>> = { bubble: 30_000, carousel: 50_000 };

// ---------------------------------------------------------------------------------------------
// Templates: buttons text is 160, or 60 with an image or a title; carousel text 120, or 60.
// ---------------------------------------------------------------------------------------------

function shortTextWithImageOrTitle(limit: number): Refine {
  return (template, problem) => {
    const { text: body, title, thumbnailImageUrl } = template;
    const decorated = title !== undefined || thumbnailImageUrl !== undefined;
    if (decorated && typeof body === 'string' && body.length > limit) problem(say.length(1, limit), 'text');
  };
}

const IMAGE_ASPECT_RATIO = oneOf(['rectangle', 'square']);
const IMAGE_SIZE = oneOf(['cover', 'contain']);

const ButtonsTemplate = refined(
  object({
    type: z.literal('buttons'),
    thumbnailImageUrl: opt(MEDIA_URL),
    imageAspectRatio: opt(IMAGE_ASPECT_RATIO),
    imageSize: opt(IMAGE_SIZE),
    imageBackgroundColor: opt(text(1)),
    title: opt(text(1, 40)),
    text: text(1, 160),
    defaultAction: opt(Action.templateDefault),
    actions: list(1, 4, Action.templateButton),
  }),
  shortTextWithImageOrTitle(60),
);
const ConfirmTemplate = object({ type: z.literal('confirm'), text: text(1, 240), actions: list(2, 2, Action.templateButton) });
const CarouselColumn = refined(
  object({
    thumbnailImageUrl: opt(MEDIA_URL),
    imageBackgroundColor: opt(text(1)),
    title: opt(text(1, 40)),
    text: text(1, 120),
    defaultAction: opt(Action.templateDefault),
    actions: list(1, 3, Action.templateButton),
  }),
  shortTextWithImageOrTitle(60),
);
const CarouselTemplate = refined(
  object({ type: z.literal('carousel'), columns: list(1, 10, CarouselColumn), imageAspectRatio: opt(IMAGE_ASPECT_RATIO), imageSize: opt(IMAGE_SIZE) }),
  (carousel, problem) => {
    // LINE requires every column to look alike: same action count, all or none with image/title.
    const columns = Array.isArray(carousel.columns) ? carousel.columns.filter(isRecord) : [];
    const alike = (of: (column: Record<string, unknown>) => unknown): boolean => new Set(columns.map(of)).size <= 1;
    if (!alike((column) => (Array.isArray(column.actions) ? column.actions.length : 0))) {
      problem('All columns must have the same number of actions', 'columns');
    }
    if (!alike((column) => column.thumbnailImageUrl !== undefined) || !alike((column) => column.title !== undefined)) {
      problem('Either all columns or none must have a thumbnailImageUrl and a title', 'columns');
    }
  },
);
const ImageCarouselColumn = object({ imageUrl: MEDIA_URL, action: Action.imageCarousel });
const ImageCarouselTemplate = object({ type: z.literal('image_carousel'), columns: list(1, 10, ImageCarouselColumn) });

// ---------------------------------------------------------------------------------------------
// Imagemaps
// ---------------------------------------------------------------------------------------------

/** Spoken by the accessibility feature: at most 50 characters (LINE's reference, "Imagemap action objects"). */
const IMAGEMAP_LABEL = opt(text(1, 50));
const ImagemapArea = object({ x: int(0), y: int(0), width: int(1), height: int(1) });
const URIImagemapAction = object({ type: z.literal('uri'), area: ImagemapArea, linkUri: ACTION_URI, label: IMAGEMAP_LABEL });
const MessageImagemapAction = object({ type: z.literal('message'), area: ImagemapArea, text: text(1, 400), label: IMAGEMAP_LABEL });
const ClipboardImagemapAction = object({
  type: z.literal('clipboard'),
  area: ImagemapArea,
  clipboardText: text(1, 1000),
  label: IMAGEMAP_LABEL,
});

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/** A message of type `type`: quickReply and sender are common to all, then its own properties. */
function message<const T extends string, S extends z.core.$ZodLooseShape>(type: T, shape: S) {
  return object({ type: z.literal(type), quickReply: opt(QuickReply), sender: opt(Sender), ...shape });
}

const TextMessage = message('text', {
  text: text(1, 5000),
  emojis: opt(list(0, 20, object({ index: int(0), productId: text(1), emojiId: text(1) }))),
  quoteToken: opt(text(1)),
});
const TextMessageV2 = message('textV2', { text: text(1, 5000), substitution: opt(object({})), quoteToken: opt(text(1)) });
const StickerMessage = message('sticker', { packageId: text(1), stickerId: text(1), quoteToken: opt(text(1)) });
const ImageMessage = message('image', { originalContentUrl: MEDIA_URL, previewImageUrl: MEDIA_URL });
const VideoMessage = message('video', { originalContentUrl: MEDIA_URL, previewImageUrl: MEDIA_URL, trackingId: opt(text(1, 100)) });
const AudioMessage = message('audio', { originalContentUrl: MEDIA_URL, duration: int(1) });
const LocationMessage = message('location', { title: text(1, 100), address: text(1, 100), latitude: num(-90, 90), longitude: num(-180, 180) });
const ImagemapMessage = message('imagemap', {
  baseUrl: MEDIA_URL,
  altText: text(1, 1500),
  baseSize: object({ width: int(1040, 1040), height: int(1) }),
  actions: list(0, 50, byType(URIImagemapAction, MessageImagemapAction, ClipboardImagemapAction)),
});
const TemplateMessage = message('template', {
  altText: text(1, 400),
  template: byType(ButtonsTemplate, ConfirmTemplate, CarouselTemplate, ImageCarouselTemplate),
});
const FlexMessage = refined(message('flex', { altText: text(1, 1500), contents: FlexContainer }), (flex, problem) => {
  // The objects are loose (unknown properties kept), so the parsed contents are as long as the sent ones.
  const contents = flex.contents;
  if (!isRecord(contents) || typeof contents.type !== 'string') return;
  const limit = FLEX_MAX_BYTES[contents.type];
  const bytes = Buffer.byteLength(JSON.stringify(contents), 'utf8');
  if (limit !== undefined && bytes > limit) problem(`Size of a flex ${contents.type} must be at most ${limit} bytes (was ${bytes})`, 'contents');
});
const CouponMessage = message('coupon', { couponId: text(1), deliveryTag: opt(text(0, 30)) }); // deliveryTag: maxLength 30 in LINE's OpenAPI

const Message = byType(
  TextMessage,
  TextMessageV2,
  StickerMessage,
  ImageMessage,
  VideoMessage,
  AudioMessage,
  LocationMessage,
  ImagemapMessage,
  TemplateMessage,
  FlexMessage,
  CouponMessage,
);

// ---------------------------------------------------------------------------------------------
// Request bodies. Recipient ID formats are checked by the fake after these (see strictIds).
// ---------------------------------------------------------------------------------------------

const Messages = list(1, 5, Message);
/** customAggregationUnits names: `^[a-zA-Z0-9_]{1,30}$` (LINE's OpenAPI). */
const AggregationUnit = text(1, 30).superRefine((value, ctx) => {
  if (value.length >= 1 && value.length <= 30 && !/^[a-zA-Z0-9_]+$/.test(value)) ctx.addIssue({ code: 'custom', message: 'Must match ^[a-zA-Z0-9_]{1,30}$' });
});

const ReplyMessageRequest = object({ replyToken: text(1), messages: Messages, notificationDisabled: opt(bool) });
const PushMessageRequest = object({
  to: text(1),
  messages: Messages,
  notificationDisabled: opt(bool),
  customAggregationUnits: opt(list(0, 1, AggregationUnit)),
});
const MulticastRequest = object({
  to: list(1, 500, text(1)),
  messages: Messages,
  notificationDisabled: opt(bool),
  customAggregationUnits: opt(list(0, 1, AggregationUnit)),
});
const BroadcastRequest = object({ messages: Messages, notificationDisabled: opt(bool) });
const ValidateMessageRequest = object({ messages: Messages });
const ShowLoadingAnimationRequest = object({ chatId: text(1), loadingSeconds: opt(int(5, 60, 5)) });

/**
 * Rich menus (LINE's reference, "Rich menu object"): width 800-2500 px, height at least 250 px,
 * width/height at least 1.45, 1-20 tappable areas inside the image, chatBarText up to 14
 * characters, name up to 300; area actions may also switch rich menus.
 */
const RichMenuBounds = object({ x: int(0), y: int(0), width: int(1), height: int(1) });
const RichMenuArea = object({ bounds: RichMenuBounds, action: Action.richMenu });
const RichMenuRequest = refined(
  object({
    size: object({ width: int(800, 2500), height: int(250) }),
    selected: bool,
    name: text(1, 300),
    chatBarText: text(1, 14),
    areas: list(1, 20, RichMenuArea),
  }),
  (menu, problem) => {
    const size = isRecord(menu.size) ? menu.size : {};
    const { width, height } = size;
    if (typeof width !== 'number' || typeof height !== 'number') return;
    if (width / height < 1.45) problem('The aspect ratio (width / height) must be at least 1.45', 'size');
    if (!Array.isArray(menu.areas)) return;
    menu.areas.forEach((area: unknown, index) => {
      const bounds = isRecord(area) && isRecord(area.bounds) ? area.bounds : undefined;
      if (!bounds) return;
      const [x, y, w, h] = [bounds.x, bounds.y, bounds.width, bounds.height];
      if (typeof x !== 'number' || typeof y !== 'number' || typeof w !== 'number' || typeof h !== 'number') return;
      if (x + w > width || y + h > height) problem('The area must lie within the rich menu image', 'areas', index, 'bounds');
    });
  },
);

const REQUEST_BODIES = {
  richMenu: RichMenuRequest,
  reply: ReplyMessageRequest,
  push: PushMessageRequest,
  multicast: MulticastRequest,
  broadcast: BroadcastRequest,
  validate: ValidateMessageRequest,
  loading: ShowLoadingAnimationRequest,
} as const;
export type LineRequestKind = keyof typeof REQUEST_BODIES;

// ---------------------------------------------------------------------------------------------
// zod's issues in LINE's words
// ---------------------------------------------------------------------------------------------

/** `messages[0].contents.body.contents[1].action.uri`, as LINE writes a property path. */
function property(path: readonly PropertyKey[]): string {
  let written = '';
  for (const key of path) {
    if (typeof key === 'number') written += `[${key}]`;
    else written += written === '' ? String(key) : `.${String(key)}`;
  }
  return written;
}

/** A required property that is absent or null "must be specified", whatever its type would be. */
function detail(issue: z.core.$ZodIssue): LineErrorDetail {
  const last = issue.path.at(-1);
  const absent = issue.code !== 'custom' && typeof last === 'string' && (issue.input === undefined || issue.input === null);
  return { message: absent ? say.missing : issue.message, property: property(issue.path) };
}

/** Validates a request body for an endpoint; returns LINE-style details (empty when valid). */
export function validateLineRequest(endpoint: LineRequestKind, body: unknown): LineErrorDetail[] {
  const result = REQUEST_BODIES[endpoint].safeParse(body, { reportInput: true });
  return result.success ? [] : result.error.issues.map(detail);
}
