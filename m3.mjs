const rss = () => (process.memoryUsage().rss/1048576).toFixed(1);
const b=rss(); for (const m of process.argv.slice(2)) await import(m); await new Promise(r=>setTimeout(r,1500)); console.log(process.argv.slice(2).join(' ').replace(/\/work\/main\/dist\//g,''), b, rss());
