import Markdown from 'react-markdown';
import remarkGfm from 'remark-gfm';
import rehypeSanitize from 'rehype-sanitize';

/** An answer's Markdown, sanitised (editors write it; no script or raw HTML runs). Loaded on
 *  the article page only, so the search page stays light. */
export default function Answer({ markdown }: { markdown: string }) {
  return (
    <div className="answer">
      <Markdown remarkPlugins={[remarkGfm]} rehypePlugins={[rehypeSanitize]}>
        {markdown}
      </Markdown>
    </div>
  );
}
