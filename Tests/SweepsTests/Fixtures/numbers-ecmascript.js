// Generates numbers-ecmascript.txt: node numbers-ecmascript.js (run in this directory).
// Writes "<16 hex digits of the IEEE-754 bits> <JSON.stringify(x)>" lines: ECMAScript's own
// Number-to-String, the reference CanonicalForm.number must match.
const buf = new DataView(new ArrayBuffer(8));
const lines = [];
function add(x) {
  if (!Number.isFinite(x)) return;
  buf.setFloat64(0, x);
  lines.push(buf.getBigUint64(0).toString(16).padStart(16, "0") + " " + JSON.stringify(x));
}
let seed = 12345n;
function next() { seed = (seed * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn; return seed; }
for (let i = 0; i < 300; i++) { buf.setBigUint64(0, next()); add(buf.getFloat64(0)); }
for (let e = -30; e <= 30; e++) for (let j = 0; j < 5; j++) add(Number(((Number(next() % 100000n)) / 1000).toString() + "e" + e));
[0.1, 0.2, 0.3, 1/3, 2/3, 0.1 + 0.2, 1e21, 1e-7, 1e-6, 123e-20, 2**53, 2**53 + 2, 2**63, -1.5, 5e-324, 1.7976931348623157e308].forEach(add);
require("fs").writeFileSync("numbers-ecmascript.txt", lines.join("\n") + "\n");
console.log(lines.length);
