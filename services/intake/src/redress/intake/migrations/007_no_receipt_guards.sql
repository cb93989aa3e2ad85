-- Receipt guesses are throttled in memory (redress.intake.guards): no row per guessed
-- reference, no lasting trace of who guessed.
DROP TABLE IF EXISTS receipt_guards;
