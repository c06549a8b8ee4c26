import { GLOSSARY } from './glossary';

/** Every term of the Results screen in one list, for reading rather than hovering. */
export function Glossary() {
  return (
    <section className="card glossary" aria-labelledby="glossary-title" data-testid="glossary">
      <h3 id="glossary-title">What the terms mean</h3>
      <dl className="kv">
        {Object.entries(GLOSSARY).map(([key, { term, text }]) => (
          <div key={key} className="glossary-row">
            <dt>{term}</dt>
            <dd>{text}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
