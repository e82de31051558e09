// A minimal XML reader for the WebNLG and DART corpora: elements, attributes, text, CDATA, comments, the prolog and
// the five named entities plus numeric references. No DTDs or namespaces (the corpora use neither).

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Text directly inside this element (not inside children), entities decoded. */
  text: string;
  /** 1-based line of the start tag. */
  line: number;
}

const WS = /\s*/y;
const OPEN = /<([A-Za-z_][\w.:-]*)/y;
const ATTRIBUTE = /\s*(?:([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')|(\/?>))/y;
const CLOSE = /<\/([A-Za-z_][\w.:-]*)\s*>/y;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Parses `source` into its root element; errors name `file` and the line. */
export function parseXml(source: string, file = '<xml>'): XmlElement {
  let pos = 0;
  let line = 1;
  const fail = (msg: string): never => {
    throw new Error(`${file}:${line}: ${msg}`);
  };
  const advance = (to: number) => {
    for (let i = pos; i < to; i++) if (source.charCodeAt(i) === 10) line++;
    pos = to;
  };
  const decode = (s: string): string =>
    s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, ref: string) => {
      if (ref[0] === '#') return String.fromCodePoint(ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
      const v = ENTITIES[ref];
      if (v === undefined) fail(`unknown entity ${m}`);
      return v as string;
    });
  const at = (re: RegExp): RegExpExecArray | null => {
    re.lastIndex = pos;
    return re.exec(source);
  };
  const skipMisc = () => {
    for (;;) {
      advance(pos + at(WS)![0].length);
      if (source.startsWith('<?', pos)) {
        const end = source.indexOf('?>', pos);
        if (end < 0) fail('unterminated <?…?>');
        advance(end + 2);
      } else if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos);
        if (end < 0) fail('unterminated comment');
        advance(end + 3);
      } else if (source.startsWith('<!DOCTYPE', pos)) {
        const end = source.indexOf('>', pos);
        advance(end < 0 ? source.length : end + 1);
      } else return;
    }
  };

  const parseElement = (): XmlElement => {
    const startLine = line;
    const open = at(OPEN);
    if (!open) fail(`expected an element, found ${JSON.stringify(source.slice(pos, pos + 20))}`);
    const name = open![1];
    advance(pos + open![0].length);
    const attributes: Record<string, string> = {};
    for (;;) {
      const m = at(ATTRIBUTE);
      if (!m) fail(`malformed start tag <${name}>`);
      advance(pos + m![0].length);
      if (m![4] === '/>') return { name, attributes, children: [], text: '', line: startLine };
      if (m![4] === '>') break;
      attributes[m![1]] = decode(m![2] ?? m![3]);
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (pos >= source.length) fail(`<${name}> (line ${startLine}) is not closed`);
      if (source.startsWith('</', pos)) {
        const m = at(CLOSE);
        if (!m || m[1] !== name) fail(`expected </${name}> (opened on line ${startLine})`);
        advance(pos + m![0].length);
        return { name, attributes, children, text, line: startLine };
      }
      if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos);
        if (end < 0) fail('unterminated comment');
        advance(end + 3);
      } else if (source.startsWith('<![CDATA[', pos)) {
        const end = source.indexOf(']]>', pos);
        if (end < 0) fail('unterminated CDATA');
        text += source.slice(pos + 9, end);
        advance(end + 3);
      } else if (source[pos] === '<') {
        children.push(parseElement());
      } else {
        const end = source.indexOf('<', pos);
        const stop = end < 0 ? source.length : end;
        text += decode(source.slice(pos, stop));
        advance(stop);
      }
    }
  };

  skipMisc();
  const root = parseElement();
  skipMisc();
  if (pos < source.length) fail('content after the root element');
  return root;
}

/** Direct children named `name`. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** The first direct child named `name`, or undefined. */
export function childNamed(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}
