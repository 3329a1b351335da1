/** MERba's custom operators, computed by the native core: {@link ai.merba.ops.SelectiveScan}. */
package ai.merba.ops;
