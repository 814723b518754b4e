// A stand-in for a non-Node host process: it keeps writing to its prompts table (new prompts,
// and its own text processing) through its own SQLite connection, with a busy timeout as any
// host library sets one (Python's sqlite3 and better-sqlite3 both default to 5 s).
// Usage: node host-writer.mjs <db> <milliseconds>  -> prints {"writes":N,"failures":[...],"imageIds":[...]}
import Database from 'better-sqlite3';

const [file, durationText] = process.argv.slice(2);
const db = new Database(file, { timeout: 5000 });
const insert = db.prepare("INSERT INTO prompts (user_id, prompt_text, prompt_type, status) VALUES ('host-user', ?, ?, 'pending')");
const finishText = db.prepare("UPDATE prompts SET status = 'completed', completed_at = ? WHERE id = ? AND prompt_type = 'text'");
const deadline = Date.now() + Number(durationText);
let writes = 0;
const failures = [];
const imageIds = [];
let n = 0;
while (Date.now() < deadline) {
  n++;
  try {
    const type = n % 5 === 0 ? 'image' : 'text';
    const { lastInsertRowid } = insert.run(`host prompt ${n}`, type);
    writes++;
    if (type === 'image') imageIds.push(Number(lastInsertRowid));
    else {
      finishText.run(new Date().toISOString(), Number(lastInsertRowid));
      writes++;
    }
  } catch (error) {
    failures.push(`${error.code ?? ''} ${error.message}`);
  }
  await new Promise((resolve) => setTimeout(resolve, 3));
}
db.close();
process.stdout.write(JSON.stringify({ writes, failures, imageIds }));
