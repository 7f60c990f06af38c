npm ci && npm start   # builds everything and runs the demo
npm test              # makes its servers ready, builds everything and runs the whole test suite
