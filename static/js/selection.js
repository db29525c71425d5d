// Turns a browser selection in #article-text into a selector over the article's canonical text.
//
// The server counts Unicode code points of Article.text; the DOM counts UTF-16 code units, in
// which an emoji or any other astral character takes two. Every block element carries
// data-start/data-end (code points) and its text content is exactly that slice of the article,
// so a selection boundary becomes: the block's data-start + the code points of the block's
// text before the boundary. The claim numbers beside highlights are drawn by CSS and carry no
// text, so they never count. Between two blocks the article has "\n\n" unless the later block
// says otherwise in data-gap; the offsets are checked against data-start/data-end either way.

export const BLOCKS = "[data-start][data-end]";
export const CONTEXT = 32; // code points of prefix and suffix, as the server keeps them
// Elements inside the text that are not article text: claim links, the selection anchor.
const DECORATIVE = ".claim-ref, .selection-anchor, [data-decorative]";

/** The code points of a string (lone surrogates count as one each). */
export function codePoints(text) {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

function sliceCodePoints(text, from, to) {
  return Array.from(text).slice(from, to).join("");
}

/** UTF-16 units of the first `points` code points of `text`. */
function unitsOf(text, points) {
  let units = 0;
  let seen = 0;
  for (const char of text) {
    if (seen >= points) break;
    units += char.length;
    seen += 1;
  }
  return units;
}

function textNodes(block) {
  const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT, {
    acceptNode(node) {
      return node.parentElement.closest(DECORATIVE)
        ? NodeFilter.FILTER_REJECT
        : NodeFilter.FILTER_ACCEPT;
    },
  });
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  return nodes;
}

/** One block of the article: its offsets and its text as the DOM has it. */
export class Block {
  constructor(element) {
    this.element = element;
    this.start = Number(element.dataset.start);
    this.end = Number(element.dataset.end);
    this.gap = element.dataset.gap; // the text before this block, when it is not "\n\n"
    this.nodes = textNodes(element);
    this.text = this.nodes.map((node) => node.data).join("");
  }

  /** Whether the DOM text is exactly the slice of the article the offsets name. */
  get intact() {
    return codePoints(this.text) === this.end - this.start;
  }
}

export function blocksIn(root) {
  return Array.from(root.querySelectorAll(BLOCKS), (element) => new Block(element));
}

/** UTF-16 units of the block's text before the boundary point (container, offset). */
function unitsBefore(block, container, offset) {
  const point = document.createRange();
  point.setStart(container, offset);
  let units = 0;
  for (const node of block.nodes) {
    if (node === container) return units + offset;
    // comparePoint: -1 before the boundary, 0 at it, 1 after it.
    if (point.comparePoint(node, node.length) <= 0) units += node.length;
    else break;
  }
  return units;
}

/** The article offset (code points) of a selection boundary, or null when outside the text. */
function boundaryOffset(blocks, container, offset, edge) {
  const element = container.nodeType === Node.ELEMENT_NODE ? container : container.parentElement;
  const blockElement = element && element.closest(BLOCKS);
  const block = blockElement && blocks.find((b) => b.element === blockElement);
  if (block) {
    const units = unitsBefore(block, container, offset);
    // A boundary between the halves of a surrogate pair keeps the whole character.
    return block.start + codePoints(block.text.slice(0, units));
  }
  // Between blocks, or outside the text: snap to the nearest edge of a block inside the
  // selection (the next block's start for the selection's start, the previous block's end
  // for its end).
  const point = document.createRange();
  point.setStart(container, offset);
  if (edge === "start") {
    const next = blocks.find((b) => point.comparePoint(b.element, b.element.childNodes.length) > 0);
    return next ? next.start : null;
  }
  const previous = blocks.filter((b) => point.comparePoint(b.element, 0) < 0).pop();
  return previous ? previous.end : null;
}

/** The article text between two offsets, rebuilt from the blocks (null if unknowable). */
export function textBetween(blocks, from, to) {
  let text = "";
  let previous = null;
  for (const block of blocks) {
    if (previous) {
      const gap = block.gap !== undefined ? block.gap : "\n\n";
      const gapStart = previous.end;
      const gapEnd = block.start;
      if (gapStart < to && from < gapEnd) {
        if (codePoints(gap) !== gapEnd - gapStart) return null;
        text += sliceCodePoints(gap, Math.max(from, gapStart) - gapStart, Math.min(to, gapEnd) - gapStart);
      }
    }
    if (block.start < to && from < block.end) {
      text += sliceCodePoints(block.text, Math.max(from, block.start) - block.start, Math.min(to, block.end) - block.start);
    }
    previous = block;
    if (block.end >= to) break;
  }
  return text;
}

/**
 * The selector of a range over the article text: {start, end, exact, prefix, suffix}, with
 * white space trimmed from both ends; null when the range does not select article text.
 * `exact` is null (offsets only) when the text between blocks is not known.
 */
export function selectorFor(root, range) {
  if (!range || range.collapsed || !range.intersectsNode(root)) return null;
  const blocks = blocksIn(root);
  if (!blocks.length) return null;
  const touched = blocks.filter((b) => range.intersectsNode(b.element));
  if (touched.some((b) => !b.intact)) return null; // the DOM was changed (an extension?)
  let start = boundaryOffset(blocks, range.startContainer, range.startOffset, "start");
  let end = boundaryOffset(blocks, range.endContainer, range.endOffset, "end");
  if (start === null || end === null || end <= start) return null;
  let exact = textBetween(blocks, start, end);
  if (exact !== null) {
    const leading = exact.match(/^\s*/u)[0];
    const trailing = exact.slice(leading.length).match(/\s*$/u)[0];
    start += codePoints(leading);
    end -= codePoints(trailing);
    if (end <= start) return null;
    exact = exact.slice(leading.length, exact.length - trailing.length);
  }
  const first = blocks[0].start;
  const last = blocks[blocks.length - 1].end;
  return {
    start,
    end,
    exact,
    prefix: textBetween(blocks, Math.max(first, start - CONTEXT), start) || "",
    suffix: textBetween(blocks, end, Math.min(last, end + CONTEXT)) || "",
  };
}

/** The DOM point (text node and UTF-16 offset) at an article offset, for ranges and anchors. */
export function pointAt(root, offset, { atEnd = false } = {}) {
  const blocks = blocksIn(root);
  const block =
    blocks.find((b) => (atEnd ? b.start < offset && offset <= b.end : b.start <= offset && offset < b.end)) ||
    blocks.find((b) => b.start <= offset && offset <= b.end);
  if (!block || !block.nodes.length) return null;
  let units = unitsOf(block.text, offset - block.start);
  for (const node of block.nodes) {
    if (units < node.length || (atEnd && units === node.length)) return { node, offset: units };
    units -= node.length;
  }
  const lastNode = block.nodes[block.nodes.length - 1];
  return { node: lastNode, offset: lastNode.length };
}

/** A DOM Range over [start, end) of the article text. */
export function rangeAt(root, start, end) {
  const from = pointAt(root, start);
  const to = pointAt(root, end, { atEnd: true });
  if (!from || !to) return null;
  const range = document.createRange();
  range.setStart(from.node, from.offset);
  range.setEnd(to.node, to.offset);
  return range;
}
