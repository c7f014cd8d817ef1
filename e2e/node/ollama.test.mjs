// The official ollama npm client against a running lagp (see openai.test.mjs for the setup).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ollama } from 'ollama';

const headers = process.env.LAGP_API_KEY
  ? { Authorization: `Bearer ${process.env.LAGP_API_KEY}` } : {};
const ollama = new Ollama({ host: process.env.LAGP_URL, headers });
const model = 'gpt-5.4:latest';

test('version, list and show', async () => {
  const { version } = await ollama.version();
  const [major, minor] = version.split('.').map(Number);
  assert.ok(major > 0 || minor >= 12, `version ${version}`);
  const { models } = await ollama.list();
  assert.ok(models.some((m) => m.name === 'gpt-5.4:latest'), JSON.stringify(models));
  const show = await ollama.show({ model });
  assert.ok(show.capabilities.includes('tools'));
  assert.ok(Object.keys(show.model_info).some((k) => k.endsWith('.context_length')));
});

test('chat without streaming', async () => {
  const res = await ollama.chat({ model, messages: [{ role: 'user', content: '[[F1]] hi' }] });
  assert.equal(res.message.content, 'Hello, world!');
  assert.equal(res.done, true);
  assert.equal(res.prompt_eval_count, 12);
  assert.equal(res.eval_count, 5);
});

test('chat streaming ends with done', async () => {
  const stream = await ollama.chat({
    model, stream: true, messages: [{ role: 'user', content: '[[F1]] hi' }],
  });
  let text = '';
  let last;
  for await (const part of stream) {
    text += part.message.content;
    last = part;
  }
  assert.equal(text, 'Hello, world!');
  assert.equal(last.done, true);
  assert.equal(last.done_reason, 'stop');
});

test('tool calls come with object arguments', async () => {
  const res = await ollama.chat({
    model, messages: [{ role: 'user', content: '[[F3]] weather?' }],
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
  });
  const call = res.message.tool_calls[0];
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(call.function.arguments, { city: 'Paris' });
});

test('a tool history without ids is accepted by the strict backend', async () => {
  const res = await ollama.chat({
    model,
    messages: [
      { role: 'user', content: '[[F1]] weather?' },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather',
        arguments: { city: 'Paris' } } }] },
      { role: 'tool', tool_name: 'get_weather', content: '18°C, sunny' },
    ],
  });
  assert.equal(res.message.content, 'Hello, world!');
});

test('thinking arrives separately', async () => {
  const res = await ollama.chat({
    model: 'gpt-5.5:latest', think: true, messages: [{ role: 'user', content: '[[F2]] 2+2?' }],
  });
  assert.match(res.message.thinking, /Planning/);
  assert.equal(res.message.content, '4');
});

test('generate', async () => {
  const res = await ollama.generate({ model, prompt: '[[F1]] hi' });
  assert.equal(res.response, 'Hello, world!');
  assert.equal(res.done, true);
});

test('a failure midway raises the error line', async () => {
  const stream = await ollama.chat({
    model, stream: true, messages: [{ role: 'user', content: '[[F5d]]' }],
  });
  await assert.rejects(async () => {
    for await (const part of stream) void part;
  }, /Rate limit reached/);
});

test('pulling a model explains where models come from', async () => {
  await assert.rejects(ollama.pull({ model: 'llama3' }), /ChatGPT/);
});
