"""Gemini providers (google-genai SDK): writer.GeminiWriter, images.GeminiImages,
voice.GeminiVoice. Environment variables and the key check are in client.py; this
package imports nothing heavy until a provider runs."""
