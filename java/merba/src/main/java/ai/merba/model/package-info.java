/**
 * The model's description without its weights: {@link ai.merba.model.ModelConfig} (the network's shape) and
 * {@link ai.merba.model.LabelScheme} (its classes), with their JSON forms of docs/model-config.md.
 */
package ai.merba.model;
