/** Serving: a thread-safe {@link ai.merba.inference.Predictor} over a loaded checkpoint. */
package ai.merba.inference;
