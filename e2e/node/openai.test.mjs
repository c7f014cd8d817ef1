// The official openai npm client (6.x) against a running lagp. LAGP_URL names the server; the
// fake backend behind it picks a PROTOCOL.md §8 fixture from a [[Fn]] marker in the prompt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const client = new OpenAI({
  baseURL: `${process.env.LAGP_URL}/v1`,
  apiKey: process.env.LAGP_API_KEY || 'unused',
  maxRetries: 0,
});
const model = 'gpt-5.4';
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
  },
};

test('models are listed by id', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.ok(ids.includes('gpt-5.4'), `ids: ${ids}`);
  assert.ok(!ids.includes('codex-auto-review'), 'hidden models must not be listed');
});

test('chat without streaming returns text and usage', async () => {
  const res = await client.chat.completions.create({
    model, messages: [{ role: 'user', content: '[[F1]] say hello' }],
  });
  assert.equal(res.choices[0].message.content, 'Hello, world!');
  assert.equal(res.choices[0].finish_reason, 'stop');
  assert.equal(res.usage.total_tokens, 17);
});

test('chat stream through the strict .stream() helper', async () => {
  const stream = client.chat.completions.stream({
    model, messages: [{ role: 'user', content: '[[F1]] say hello' }],
    stream_options: { include_usage: true },
  });
  const done = await stream.finalChatCompletion();
  assert.equal(done.choices[0].message.content, 'Hello, world!');
  assert.equal(done.choices[0].finish_reason, 'stop');
  assert.equal(done.usage.prompt_tokens, 12);
});

test('a streamed tool call is assembled', async () => {
  const stream = client.chat.completions.stream({
    model, tools: [weatherTool],
    messages: [{ role: 'user', content: '[[F3]] weather in Paris?' }],
  });
  const done = await stream.finalChatCompletion();
  const call = done.choices[0].message.tool_calls[0];
  assert.equal(call.id, 'call_AAA111');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
  assert.equal(done.choices[0].finish_reason, 'tool_calls');
});

test('parallel tool calls keep their own index', async () => {
  const stream = client.chat.completions.stream({
    model, tools: [weatherTool],
    messages: [{ role: 'user', content: '[[F4]] read both files' }],
  });
  const done = await stream.finalChatCompletion();
  const calls = done.choices[0].message.tool_calls;
  assert.deepEqual(calls.map((c) => c.id), ['call_P1', 'call_P2']);
  assert.deepEqual(calls.map((c) => JSON.parse(c.function.arguments).path), ['a.txt', 'b.txt']);
});

test('the tool result round trip is accepted by the strict backend', async () => {
  const res = await client.chat.completions.create({
    model, tools: [weatherTool],
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: '[[F1]] weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_AAA111', type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_AAA111', content: '18°C, sunny' },
    ],
  });
  assert.equal(res.choices[0].message.content, 'Hello, world!');
});

test('reasoning arrives in its own chunks', async () => {
  const stream = await client.chat.completions.create({
    model: 'gpt-5.5', stream: true, messages: [{ role: 'user', content: '[[F2]] 2+2?' }],
  });
  let reasoning = '';
  let content = '';
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta ?? {};
    if (delta.reasoning_content) {
      assert.equal(delta.content ?? '', '', 'reasoning and content share a chunk');
      reasoning += delta.reasoning_content;
    }
    content += delta.content ?? '';
  }
  assert.match(reasoning, /Planning[\s\S]*\n\n\*\*Answering/);
  assert.equal(content, '4');
});

test('a usage limit is a 429 that tells when it resets', async () => {
  await assert.rejects(
    client.chat.completions.create({ model, messages: [{ role: 'user', content: '[[F5a]]' }] }),
    (err) => {
      assert.ok(err instanceof OpenAI.RateLimitError, String(err));
      assert.equal(err.code, 'usage_limit_reached');
      assert.ok(Number(err.headers.get('retry-after')) > 0);
      assert.equal(err.headers.get('x-should-retry'), 'false');
      return true;
    },
  );
});

test('a stream that fails midway throws instead of finishing', async () => {
  const stream = await client.chat.completions.create({
    model, stream: true, messages: [{ role: 'user', content: '[[F5d]]' }],
  });
  await assert.rejects(async () => {
    for await (const chunk of stream) void chunk;
  }, /Rate limit reached/);
});

test('an unknown model is a 404 in the OpenAI shape', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-0', messages: [{ role: 'user', content: 'x' }] }),
    (err) => err instanceof OpenAI.NotFoundError && /gpt-0/.test(err.message),
  );
});

test('the Responses API answers whole and streamed', async () => {
  const res = await client.responses.create({ model, input: '[[F1]] hello' });
  assert.equal(res.output_text, 'Hello, world!');
  const stream = client.responses.stream({ model, input: '[[F1]] hello' });
  const final = await stream.finalResponse();
  assert.equal(final.output_text, 'Hello, world!');
});

test('legacy completions', async () => {
  const res = await client.completions.create({ model, prompt: '[[F1]] hello' });
  assert.equal(res.choices[0].text, 'Hello, world!');
});
